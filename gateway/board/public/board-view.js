/*
 * The board's view: how orders and machines are grouped, cut into screen-sized pages and drawn.
 * Plain browser JavaScript (no framework, no build), no I/O: board.js owns the data and the live path
 * and calls BoardView.draw(...) whenever something changed or the page rotates.
 *
 * Groups, in this order: what needs attention (machines down or in maintenance, late orders, high
 * scrap, orders with work orders left out of their totals), then running orders, then released orders
 * not started yet; each counted. A page holds as many cards as fit the screen without scrolling.
 */
(function () {
  'use strict';

  /** Scrap above this share of the planned quantity puts an order in the attention group. */
  var HIGH_SCRAP = 0.1;
  var MINUTE = 60000;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(n) {
    return (Math.round(n * 100) / 100).toLocaleString('en');
  }

  /** "3 h 10 min", "2 d 4 h", "45 min", "under a minute". */
  function duration(ms) {
    var m = Math.floor(Math.abs(ms) / MINUTE);
    if (m < 1) return 'under a minute';
    var d = Math.floor(m / 1440);
    var h = Math.floor((m % 1440) / 60);
    var min = m % 60;
    if (d > 0) return d + ' d' + (h ? ' ' + h + ' h' : '');
    if (h > 0) return h + ' h' + (min ? ' ' + min + ' min' : '');
    return min + ' min';
  }

  /** A time with its date unless it is today: "14:05", "Tue 1 Dec 14:05". */
  function when(iso, now) {
    var t = new Date(iso);
    var today = new Date(now);
    var time = t.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    if (t.toDateString() === today.toDateString()) return time;
    return t.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' }) + ' ' + time;
  }

  function isStarted(o) {
    return o.workOrders.some(function (w) { return w.status !== 'PLANNED' && w.status !== 'CANCELLED'; });
  }

  function isRunning(o) {
    return o.workOrders.some(function (w) { return w.status === 'RUNNING' || w.status === 'PAUSED'; });
  }

  /** The operation the shop floor is on: a running work order's first, else a paused one's. */
  function currentOperation(o) {
    var ws = o.workOrders.filter(function (w) { return w.status === 'RUNNING'; })
      .concat(o.workOrders.filter(function (w) { return w.status === 'PAUSED'; }));
    for (var i = 0; i < ws.length; i++) if (ws[i].currentOperation) return ws[i].currentOperation;
    return null;
  }

  /** Why an order needs attention (empty: it does not). */
  function concerns(o) {
    var out = [];
    if (o.dueStatus === 'LATE') out.push('late');
    if (o.plannedQuantity > 0 && o.scrapQuantity / o.plannedQuantity >= HIGH_SCRAP) out.push('high scrap');
    if (o.excludedWorkOrders && o.excludedWorkOrders.length) out.push('left out of totals');
    return out;
  }

  function machineDown(e) {
    return e.state === 'DOWN' || e.state === 'MAINTENANCE';
  }

  var byPlannedEnd = function (a, b) { return a.plannedEnd < b.plannedEnd ? -1 : a.plannedEnd > b.plannedEnd ? 1 : a.id < b.id ? -1 : 1; };

  /** [{ key, title, items: [{ kind: 'order'|'machine', ... }] }], attention first. */
  function groups(orders, machines) {
    var attention = machines.filter(machineDown)
      .sort(function (a, b) { return (a.stateSince || '') < (b.stateSince || '') ? -1 : 1; })
      .map(function (e) { return { kind: 'machine', id: e.id, machine: e }; });
    var running = [];
    var waiting = [];
    orders.slice().sort(byPlannedEnd).forEach(function (o) {
      var item = { kind: 'order', id: o.id, order: o };
      if (concerns(o).length) attention.push(item);
      else if (isStarted(o)) running.push(item);
      else waiting.push(item);
    });
    return [
      { key: 'attention', title: 'Needs attention', items: attention },
      { key: 'running', title: 'Running', items: running },
      { key: 'waiting', title: 'Released, not started', items: waiting },
    ];
  }

  /** Every group cut into pages of `perPage`; an empty group still gets one page (it says "none"). */
  function pages(list, perPage) {
    var out = [];
    list.forEach(function (g) {
      var n = Math.max(1, Math.ceil(g.items.length / perPage));
      for (var i = 0; i < n; i++) out.push({ group: g, index: i, count: n, items: g.items.slice(i * perPage, (i + 1) * perPage) });
    });
    return out;
  }

  function dueLine(o, now) {
    var end = Date.parse(o.plannedEnd);
    var line = el('div', 'due ' + (o.dueStatus || ''));
    var text = 'due ' + when(o.plannedEnd, now);
    if (o.dueStatus === 'LATE') text += ' · late by ' + duration(now - end);
    else if (o.dueStatus === 'AT_RISK' && o.expectedEnd) text += ' · expected ' + when(o.expectedEnd, now) + ' (+' + duration(Date.parse(o.expectedEnd) - end) + ')';
    else if (o.dueStatus === 'ON_TIME') text += ' · on time';
    line.textContent = text;
    return line;
  }

  function orderCard(o, ctx) {
    var card = el('div', 'card order');
    card.dataset.order = o.id;
    var head = el('div', 'head');
    head.appendChild(el('span', 'id', o.id));
    var badges = el('span', 'badges');
    concerns(o).forEach(function (c) { badges.appendChild(el('span', 'badge concern', c)); });
    if (o.dueStatus && o.dueStatus !== 'LATE') badges.appendChild(el('span', 'badge ' + o.dueStatus, o.dueStatus.replace('_', ' ').toLowerCase()));
    head.appendChild(badges);
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
    card.appendChild(dueLine(o, ctx.now));
    var op = currentOperation(o);
    var line = el('div', 'op');
    if (op) {
      line.appendChild(el('span', '', 'Op ' + op.sequence + ' · ' + op.description));
      if (op.equipment) {
        var eq = ctx.machines.get(op.equipment.id) || op.equipment;
        var st = el('span', 'state ' + eq.state, eq.name + ' · ' + eq.state);
        st.dataset.equipment = eq.id;
        line.appendChild(st);
      }
    } else if (o.excludedWorkOrders && o.excludedWorkOrders.length) {
      line.appendChild(el('span', 'muted', o.excludedWorkOrders.length + ' work order(s) not counted: ' + o.excludedWorkOrders[0].reason.replace(/_/g, ' ').toLowerCase()));
    } else line.appendChild(el('span', 'muted', isStarted(o) ? 'no operation running' : 'starts ' + when(o.plannedStart, ctx.now)));
    card.appendChild(line);
    return card;
  }

  function machineCard(e, ctx) {
    var card = el('div', 'card machine ' + e.state);
    card.dataset.equipment = e.id;
    card.setAttribute('role', 'alert');
    var head = el('div', 'head');
    head.appendChild(el('span', 'id', e.name));
    head.appendChild(el('span', 'state ' + e.state, e.state));
    card.appendChild(head);
    card.appendChild(el('div', 'material', e.id + (e.workCenter ? ' · ' + e.workCenter : '')));
    var since = e.stateSince ? (e.state === 'DOWN' ? 'down' : 'in maintenance') + ' for ' + duration(ctx.now - Date.parse(e.stateSince)) : e.state;
    card.appendChild(el('div', 'since', since));
    if (e.stateSince) card.appendChild(el('div', 'muted', 'since ' + when(e.stateSince, ctx.now)));
    return card;
  }

  /**
   * Draws one page into `box` (the group's title with its count and the page's cards) and the page
   * strip into `strip`. `changed` maps ids to the time until which their card is highlighted.
   */
  function draw(box, strip, all, current, ctx) {
    var page = all[current];
    var title = el('h2', 'group-title');
    title.dataset.group = page.group.key;
    title.textContent = page.group.title + ' · ' + page.group.items.length + (page.count > 1 ? '  (' + (page.index + 1) + '/' + page.count + ')' : '');
    var cards = el('div', 'cards');
    cards.dataset.group = page.group.key;
    if (!page.items.length) cards.appendChild(el('p', 'muted none', 'none'));
    page.items.forEach(function (item) {
      var card = item.kind === 'machine' ? machineCard(item.machine, ctx) : orderCard(item.order, ctx);
      if ((ctx.changed.get(item.id) || 0) > ctx.now) card.classList.add('changed');
      cards.appendChild(card);
    });
    box.replaceChildren(title, cards);
    var seen = {};
    strip.replaceChildren.apply(strip, all.filter(function (p) {
      if (seen[p.group.key]) return false;
      seen[p.group.key] = true;
      return true;
    }).map(function (p) {
      var tab = el('span', 'tab' + (p.group.key === page.group.key ? ' active' : ''), p.group.title + ' ' + p.group.items.length);
      tab.dataset.group = p.group.key;
      return tab;
    }));
  }

  window.BoardView = { groups: groups, pages: pages, draw: draw, duration: duration, when: when, isStarted: isStarted, machineDown: machineDown };
})();
