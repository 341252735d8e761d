/*
 * The live production board for the wall. Plain browser JavaScript, no framework: one query loads a
 * plant's open orders and machines, two graphql-ws subscriptions keep them moving, and board-view.js
 * groups and draws them a screen at a time (attention first, then running, then not started), rotating
 * through the pages. The graphql-ws client reconnects by itself (lazy: false, unlimited retries) and
 * re-sends each subscription's payload on reconnect; the board keeps `variables.after` at the last
 * event it applied, so a resubscription resumes exactly there (the gateway replays what was missed).
 *
 * URL parameters: plant (default 1000), workCenter (only that work center's machines and the orders
 * whose current operation runs there), kiosk=1 (no controls), rotate=<seconds> per page (default 15,
 * 0 stops rotating).
 */
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var plant = params.get('plant') || '1000';
  var workCenter = params.get('workCenter') || null;
  var kiosk = params.get('kiosk') === '1' || params.get('kiosk') === 'true';
  var rotateMs = Math.max(0, Number(params.get('rotate') || 15)) * 1000;
  /** How long a card that just changed stays highlighted. */
  var HIGHLIGHT_MS = 4000;
  var token = boardToken();

  /**
   * The board's bearer token (production mode refuses requests without one). Given once in the URL
   * fragment, `/board?plant=1000#token=<JWT>` (a fragment never reaches a server, a proxy or a log), it is
   * kept in this browser's localStorage under `hub.token` and removed from the address bar; later visits
   * and reloads use the stored one. `#token=` with nothing after it forgets it.
   */
  function boardToken() {
    var given = new URLSearchParams(location.hash.slice(1)).get('token');
    if (given !== null) history.replaceState(null, '', location.pathname + location.search);
    try {
      if (given) localStorage.setItem('hub.token', given);
      else if (given === '') localStorage.removeItem('hub.token');
      return localStorage.getItem('hub.token');
    } catch (e) {
      return given || null;
    }
  }

  var ORDER_FIELDS = 'id status plannedStart plannedEnd dueStatus expectedEnd plannedQuantity unit producedQuantity scrapQuantity progress ' +
    'material { id description } excludedWorkOrders { reason workOrder { id } } ' +
    'workOrders { id status currentOperation { sequence description status equipment { id name state workCenter } } }';
  var INITIAL = 'query BoardOrders($plant: ID!, $after: String) {' +
    ' productionOrders(plant: $plant, status: [RELEASED, PARTIALLY_CONFIRMED], first: 500, after: $after) {' +
    '  pageInfo { hasNextPage endCursor } edges { node { ' + ORDER_FIELDS + ' } } }' +
    ' equipmentList(plant: $plant) { id name state stateSince workCenter } plants { id name } }';
  var PROGRESS = 'subscription BoardProgress($plant: ID, $after: ID) { productionOrderProgress(plant: $plant, after: $after) {' +
    ' eventId occurredAt kind productionOrder { ' + ORDER_FIELDS + ' } } }';
  var EQUIPMENT = 'subscription BoardEquipment($plant: ID, $after: ID) { equipmentStateChanged(plant: $plant, after: $after) {' +
    ' eventId occurredAt previousState state equipment { id name state stateSince workCenter } } }';

  var orders = new Map();      // order id -> order
  var equipment = new Map();   // equipment id -> { id, name, state, stateSince, workCenter }
  var changed = new Map();     // order or equipment id -> highlighted until (ms)
  var loaded = false;
  var pending = [];            // events that arrived before the first load finished
  var page = 0;
  var paused = false;

  var $ = function (id) { return document.getElementById(id); };
  var View = window.BoardView;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function inWorkCenter(o) {
    return !workCenter || o.workOrders.some(function (w) {
      return w.currentOperation && w.currentOperation.equipment && w.currentOperation.equipment.workCenter === workCenter;
    });
  }

  /** Cards that fit the screen: the grid's columns times the rows left under the header, no scrolling. */
  function perPage() {
    var box = $('board');
    var style = getComputedStyle(document.documentElement);
    var cardW = parseFloat(style.getPropertyValue('--card-w')) || 360;
    var cardH = parseFloat(style.getPropertyValue('--card-h')) || 150;
    var gap = parseFloat(style.getPropertyValue('--gap')) || 12;
    var width = box.clientWidth || window.innerWidth;
    var height = window.innerHeight - box.getBoundingClientRect().top - 56;
    var cols = Math.max(1, Math.floor((width + gap) / (cardW + gap)));
    var rows = Math.max(1, Math.floor((height + gap) / (cardH + gap)));
    return cols * rows;
  }

  function draw() {
    if (!loaded) return;
    var machines = Array.from(equipment.values()).filter(function (e) { return !workCenter || e.workCenter === workCenter; });
    var list = View.groups(Array.from(orders.values()).filter(inWorkCenter), machines);
    var all = View.pages(list, perPage());
    if (page >= all.length) page = 0;
    View.draw($('board'), $('groups'), all, page, { now: Date.now(), machines: equipment, changed: changed });
    $('summary').textContent = 'Plant ' + plant + (workCenter ? ' · work center ' + workCenter : '') + ' · page ' + (page + 1) + ' of ' + all.length;
    return all.length;
  }

  function turn(step) {
    var count = draw() || 1;
    page = (page + step + count) % count;
    draw();
  }

  function updateOrder(o) {
    var known = orders.has(o.id);
    if (!known && o.status !== 'RELEASED' && o.status !== 'PARTIALLY_CONFIRMED') return;
    orders.set(o.id, o);
    changed.set(o.id, Date.now() + HIGHLIGHT_MS);
    draw();
  }

  function applyEquipment(e) {
    equipment.set(e.id, e);
    changed.set(e.id, Date.now() + HIGHLIGHT_MS);
    draw();
  }

  function setStatus(kind, text) {
    var s = $('status');
    s.className = 'status ' + kind;
    s.textContent = text;
  }

  function noteEvent(at) {
    $('last-event').textContent = 'last event ' + View.when(at, Date.now());
  }

  function handle(kind, event) {
    if (!loaded) return pending.push([kind, event]);
    noteEvent(event.occurredAt);
    if (kind === 'progress') updateOrder(event.productionOrder);
    else applyEquipment(event.equipment);
  }

  async function query(text, variables) {
    var headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    var res = await fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify({ query: text, variables: variables }) });
    var body = await res.json();
    if (body.errors && !body.data) throw new Error(body.errors[0].message);
    return body.data;
  }

  async function load() {
    var after = null;
    var plants = [];
    do {
      var data = await query(INITIAL, { plant: plant, after: after });
      data.productionOrders.edges.forEach(function (edge) { orders.set(edge.node.id, edge.node); });
      data.equipmentList.forEach(function (e) { equipment.set(e.id, e); });
      plants = data.plants;
      after = data.productionOrders.pageInfo.hasNextPage ? data.productionOrders.pageInfo.endCursor : null;
    } while (after);
    setUpControls(plants);
    loaded = true;
    draw();
    pending.splice(0).forEach(function (p) { handle(p[0], p[1]); });
  }

  function setUpControls(plants) {
    if (kiosk) document.body.classList.add('kiosk');
    var select = $('plant');
    plants.forEach(function (p) {
      var opt = el('option', '', p.id + ' · ' + p.name);
      opt.value = p.id;
      opt.selected = p.id === plant;
      select.appendChild(opt);
    });
    select.addEventListener('change', function () {
      params.set('plant', select.value);
      params.delete('workCenter');
      location.search = params.toString();
    });
    $('prev').addEventListener('click', function () { turn(-1); });
    $('next').addEventListener('click', function () { turn(1); });
    $('pause').addEventListener('click', function () {
      paused = !paused;
      $('pause').textContent = paused ? 'rotate' : 'hold';
    });
    // Durations ("down for 3 h 10 min") age and highlights fade: redraw every few seconds; turn the page
    // every `rotate` seconds.
    var lastTurn = Date.now();
    setInterval(function () {
      if (rotateMs > 0 && !paused && Date.now() - lastTurn >= rotateMs) {
        lastTurn = Date.now();
        turn(1);
      } else draw();
    }, 1000);
    window.addEventListener('resize', draw);
  }

  var client = graphqlWs.createClient({
    url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql',
    lazy: false,
    retryAttempts: Infinity,
    shouldRetry: function () { return true; },
    keepAlive: 10000,
    connectionParams: function () { return token ? { authorization: 'Bearer ' + token } : {}; },
    on: {
      connecting: function (again) { setStatus(again ? 'reconnecting' : 'connecting', again ? 'reconnecting…' : 'connecting…'); },
      connected: function () { setStatus('live', 'live'); },
      closed: function () { setStatus('reconnecting', 'reconnecting…'); },
    },
  });

  function follow(kind, text, after) {
    var payload = { query: text, variables: { plant: plant, after: after } };
    client.subscribe(payload, {
      next: function (result) {
        var event = result.data && (result.data.productionOrderProgress || result.data.equipmentStateChanged);
        if (!event) return;
        // Resume point for the next (re)subscription: graphql-ws sends this same payload again.
        payload.variables.after = event.eventId;
        handle(kind, event);
      },
      error: function (e) {
        // graphql-ws does not retry a refused token (4401): a reload would not help either.
        if (e && e.code === 4401) return setStatus('reconnecting', 'token refused: open the board with #token=<token>');
        // Lost connections are retried by graphql-ws itself; an error here is the server refusing the
        // subscription (e.g. a resume point older than the event retention). Only a fresh load is
        // consistent then: reload the page, which subscribes anew and reloads the orders.
        setStatus('reconnecting', 'subscription refused; reloading…');
        setTimeout(function () { location.reload(); }, 2000);
      },
      complete: function () {},
    });
  }

  // Subscribe first, then load: an event that lands while the list loads is applied after it, not lost.
  follow('progress', PROGRESS, null);
  follow('equipment', EQUIPMENT, null);
  load().catch(function (e) { $('summary').textContent = 'Could not load the orders: ' + e.message; });
})();
