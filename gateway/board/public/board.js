/*
 * The live production board. Plain browser JavaScript, no framework: one query loads the running
 * orders of a plant, two graphql-ws subscriptions keep them moving. The graphql-ws client reconnects
 * by itself (lazy: false, unlimited retries) and re-sends each subscription's payload on reconnect;
 * the board keeps `variables.after` at the last event it applied, so a resubscription resumes exactly
 * there (the gateway replays what was missed).
 */
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var plant = params.get('plant') || '1000';
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

  var ORDER_FIELDS = 'id status plannedQuantity unit producedQuantity scrapQuantity progress material { id description } ' +
    'workOrders { id status currentOperation { sequence description status equipment { id name state } } }';
  var INITIAL = 'query BoardOrders($plant: ID!, $after: String) {' +
    ' productionOrders(plant: $plant, status: [RELEASED, PARTIALLY_CONFIRMED], first: 500, after: $after) {' +
    '  pageInfo { hasNextPage endCursor } edges { node { ' + ORDER_FIELDS + ' } } }' +
    ' equipmentList(plant: $plant) { id name state stateSince } plants { id name } }';
  var PROGRESS = 'subscription BoardProgress($plant: ID, $after: ID) { productionOrderProgress(plant: $plant, after: $after) {' +
    ' eventId occurredAt kind productionOrder { ' + ORDER_FIELDS + ' } } }';
  var EQUIPMENT = 'subscription BoardEquipment($plant: ID, $after: ID) { equipmentStateChanged(plant: $plant, after: $after) {' +
    ' eventId occurredAt previousState state equipment { id name state stateSince } } }';

  var orders = new Map();      // order id -> order
  var equipment = new Map();   // equipment id -> { id, name, state, stateSince }
  var loaded = false;
  var pending = [];            // events that arrived before the first load finished

  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(n) {
    return (Math.round(n * 100) / 100).toLocaleString('en');
  }

  function isRunning(o) {
    return o.workOrders.some(function (w) { return w.status === 'RUNNING' || w.status === 'PAUSED'; });
  }

  /** The work order the shop floor is on: a running one first, else a paused one. */
  function currentOperation(o) {
    var ws = o.workOrders.filter(function (w) { return w.status === 'RUNNING'; })
      .concat(o.workOrders.filter(function (w) { return w.status === 'PAUSED'; }));
    for (var i = 0; i < ws.length; i++) if (ws[i].currentOperation) return ws[i].currentOperation;
    return null;
  }

  function renderOrder(o) {
    var card = el('div', 'order' + (isRunning(o) ? '' : ' done'));
    card.setAttribute('role', 'row');
    card.dataset.order = o.id;
    var head = el('div', 'head');
    head.appendChild(el('span', 'id', o.id));
    head.appendChild(el('span', 'muted', o.status.replace(/_/g, ' ').toLowerCase()));
    card.appendChild(head);
    card.appendChild(el('div', 'material', o.material.description));
    var planned = o.plannedQuantity > 0 ? o.plannedQuantity : 1;
    var producedPct = Math.min(100, (o.producedQuantity / planned) * 100);
    var scrapPct = Math.min(100 - producedPct, (o.scrapQuantity / planned) * 100);
    var bar = el('div', 'bar');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', String(o.plannedQuantity));
    bar.setAttribute('aria-valuenow', String(o.producedQuantity));
    var produced = el('div', 'bar-produced');
    produced.style.width = producedPct.toFixed(2) + '%';
    var scrap = el('div', 'bar-scrap');
    scrap.style.width = scrapPct.toFixed(2) + '%';
    bar.appendChild(produced);
    bar.appendChild(scrap);
    card.appendChild(bar);
    var numbers = el('div', 'numbers');
    numbers.appendChild(el('span', 'produced', fmt(o.producedQuantity) + ' / ' + fmt(o.plannedQuantity) + ' ' + o.unit + ' (' + Math.round(o.progress * 100) + ' %)'));
    numbers.appendChild(el('span', 'scrap', 'scrap ' + fmt(o.scrapQuantity)));
    card.appendChild(numbers);
    var op = currentOperation(o);
    var line = el('div', 'op');
    if (op) {
      line.appendChild(el('span', '', 'Op ' + op.sequence + ' · ' + op.description));
      if (op.equipment) {
        var eq = equipment.get(op.equipment.id) || op.equipment;
        var st = el('span', 'state ' + eq.state, eq.name + ' · ' + eq.state);
        st.dataset.equipment = eq.id;
        line.appendChild(st);
      }
    } else line.appendChild(el('span', 'muted', isRunning(o) ? 'no open operation' : 'no work order running'));
    card.appendChild(line);
    return card;
  }

  function renderAll() {
    var list = Array.from(orders.values()).sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
    var box = $('orders');
    box.replaceChildren.apply(box, list.map(renderOrder));
    var running = list.filter(isRunning).length;
    $('summary').textContent = running + ' running production orders in plant ' + plant;
  }

  function updateOrder(o, flash) {
    var known = orders.has(o.id);
    if (!known && !isRunning(o)) return;
    orders.set(o.id, o);
    var old = document.querySelector('[data-order="' + CSS.escape(o.id) + '"]');
    if (!old) return renderAll();
    var card = renderOrder(o);
    if (flash) {
      card.classList.add('flash');
      setTimeout(function () { card.classList.remove('flash'); }, 800);
    }
    old.replaceWith(card);
  }

  function renderAlerts() {
    var box = $('alerts');
    var down = Array.from(equipment.values()).filter(function (e) { return e.state === 'DOWN'; });
    box.replaceChildren.apply(box, down.map(function (e) {
      var a = el('div', 'alert', '⚠ ' + e.name + ' (' + e.id + ') is DOWN' +
        (e.stateSince ? ' since ' + new Date(e.stateSince).toLocaleTimeString() : ''));
      a.setAttribute('role', 'alert');
      a.dataset.equipment = e.id;
      return a;
    }));
  }

  function applyEquipment(e) {
    equipment.set(e.id, e);
    document.querySelectorAll('.state[data-equipment="' + CSS.escape(e.id) + '"]').forEach(function (node) {
      node.className = 'state ' + e.state;
      node.textContent = e.name + ' · ' + e.state;
    });
    renderAlerts();
  }

  function setStatus(kind, text) {
    var s = $('status');
    s.className = 'status ' + kind;
    s.textContent = text;
  }

  function noteEvent(at) {
    $('last-event').textContent = 'last event ' + new Date(at).toLocaleTimeString();
  }

  function handle(kind, event) {
    if (!loaded) return pending.push([kind, event]);
    noteEvent(event.occurredAt);
    if (kind === 'progress') updateOrder(event.productionOrder, true);
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
      data.productionOrders.edges.forEach(function (edge) {
        if (isRunning(edge.node)) orders.set(edge.node.id, edge.node);
      });
      data.equipmentList.forEach(function (e) { equipment.set(e.id, e); });
      plants = data.plants;
      after = data.productionOrders.pageInfo.hasNextPage ? data.productionOrders.pageInfo.endCursor : null;
    } while (after);
    var select = $('plant');
    plants.forEach(function (p) {
      var opt = el('option', '', p.id + ' · ' + p.name);
      opt.value = p.id;
      opt.selected = p.id === plant;
      select.appendChild(opt);
    });
    select.addEventListener('change', function () { location.search = '?plant=' + encodeURIComponent(select.value); });
    loaded = true;
    renderAll();
    renderAlerts();
    pending.splice(0).forEach(function (p) { handle(p[0], p[1]); });
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
