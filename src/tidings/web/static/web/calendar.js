// The calendar page (web/calendar.html): FullCalendar with our toolbar, entries from /calendar/events/, drag to
// move an entry (the server checks it as the forms do, and a refusal puts it back), click a free time to write there.
//
// Every time here is a wall-clock time in the user's zone (their setting, not this device's): the feed gives them
// without an offset and FullCalendar runs on "UTC", which means "no conversion", so a dropped entry's time is read
// back as the same wall clock. "Now" is the user's wall clock too, so today is their today.
"use strict";

(() => {
  const root = document.getElementById("calendar");
  if (!root || !window.FullCalendar) return;
  const config = JSON.parse(document.getElementById("calendar-config").textContent);
  const toast = (message, level) => window.tidingsToast && window.tidingsToast(message, level);
  const phone = window.matchMedia("(max-width: 575.98px)").matches;
  const VIEWS = {month: "dayGridMonth", week: "timeGridWeek", agenda: "listWeek"};
  const NAMES = Object.fromEntries(Object.entries(VIEWS).map(([name, type]) => [type, name]));
  const HOUR = 3600 * 1000;

  const clock = new Intl.DateTimeFormat("en-GB", {
    timeZone: config.zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  // The user's wall clock now, as a time FullCalendar (on "UTC") shows as it reads.
  function wallClockNow() {
    const part = Object.fromEntries(clock.formatToParts(new Date()).map((p) => [p.type, p.value]));
    return new Date(`${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}Z`);
  }
  const minute = (date) => date.toISOString().slice(0, 16);
  const day = (date) => date.toISOString().slice(0, 10);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function icon(name, className) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", `icon ${className}`);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    // The sprite's symbols are outlines: drawn in the text's colour, unfilled.
    for (const [name, value] of Object.entries({fill: "none", stroke: "currentColor", "stroke-width": "2",
      "stroke-linecap": "round", "stroke-linejoin": "round"})) svg.setAttribute(name, value);
    const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
    use.setAttribute("href", `${config.sprite}#${name}`);
    svg.append(use);
    return svg;
  }

  // An entry: the platform's mark, the time, the account and the text; its state is in its colour and, for
  // screen readers and the agenda, in words.
  function entryContent(arg) {
    const props = arg.event.extendedProps;
    const list = arg.view.type.startsWith("list");
    const body = element("span", "entry-body");
    const line = element("span", "entry-line");
    line.append(icon(props.icon, `entry-mark platform-${props.platform}`));
    if (arg.timeText && !list) line.append(element("span", "entry-time", arg.timeText));
    line.append(element("span", "entry-account", props.account));
    body.append(line);
    if (props.text) body.append(element("span", "entry-text", props.text));
    if (list) body.append(element("span", `badge entry-badge entry-${props.status}`, props.statusLabel));
    else body.append(element("span", "visually-hidden", `, ${props.statusLabel}, ${props.platformName}`));
    return {domNodes: [body]};
  }

  // A click on a free time opens the composer for it: a day in the month gives 09:00 (today, the next full hour);
  // a time that has passed says so instead.
  function composeAt(info) {
    const now = wallClockNow();
    let at = new Date(info.date);
    if (info.allDay) {
      if (day(at) < day(now)) return toast("That day has passed; pick a day from today on.", "info");
      at = day(at) === day(now) ? new Date(Math.floor(now / HOUR) * HOUR + HOUR) : new Date(at.getTime() + 9 * HOUR);
    } else if (at < now) {
      const slotEnd = new Date(at.getTime() + HOUR / 2);
      if (slotEnd <= now) return toast("That time has passed; pick a time from now on.", "info");
      at = new Date(Math.ceil(now / (5 * 60000)) * 5 * 60000);
    }
    window.location.assign(`${config.compose}?at=${encodeURIComponent(minute(at))}`);
  }

  async function moveEntry(info) {
    const body = new URLSearchParams({at: minute(info.event.start)});
    let answer = null;
    try {
      const response = await fetch(config.move.replace("{id}", info.event.id), {
        method: "POST", body, credentials: "same-origin", headers: {"X-CSRFToken": root.dataset.csrf},
      });
      const data = await response.json();
      answer = {ok: response.ok && Boolean(data.message), message: data.message || (data.error && data.error.message)};
    } catch (error) {
      answer = {ok: false, message: ""};
    }
    if (answer.ok) {
      toast(answer.message, "success");
      calendar.refetchEvents();
    } else {
      info.revert();
      toast(answer.message || "Nothing moved: Tidings could not be reached. Reload the page and try again.", "error");
    }
  }

  const title = document.getElementById("calendar-title");
  const todayButton = document.querySelector("[data-calendar-go=today]");
  let opened = false;
  function shown(info) {
    title.textContent = info.view.title;
    const name = NAMES[info.view.type];
    document.querySelectorAll("[data-calendar-view]").forEach((button) => {
      const active = button.dataset.calendarView === name;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", String(active));
    });
    const now = wallClockNow();
    todayButton.disabled = info.view.currentStart <= now && now < info.view.currentEnd;
    // Where the user went stays in the address, so a reload or a shared link opens the same place.
    if (opened) history.replaceState(null, "", `?view=${name}&date=${day(calendar.getDate())}`);
    opened = true;
  }

  // A week scrolls within its frame (from 08:00); a month and the agenda grow with what they hold.
  const heightOf = (type) => (type === VIEWS.week ? (phone ? 620 : 780) : "auto");
  const initialView = VIEWS[config.view] || (phone ? VIEWS.agenda : VIEWS.month);

  const calendar = new FullCalendar.Calendar(root, {
    timeZone: "UTC",
    now: () => wallClockNow(),
    locale: "en-GB",
    firstDay: 1,
    initialView,
    initialDate: config.date || undefined,
    headerToolbar: false,
    height: heightOf(initialView),
    events: {
      url: config.events,
      failure: () => toast("Your posts could not be loaded; reload the page to try again.", "error"),
    },
    eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
    slotLabelFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
    defaultTimedEventDuration: "00:30:00",
    displayEventEnd: false,
    eventDisplay: "block",
    dayMaxEvents: 3,
    moreLinkContent: (arg) => (phone ? `+${arg.num}` : `+${arg.num} more`),
    editable: false,
    eventDurationEditable: false,
    nowIndicator: true,
    slotEventOverlap: false,
    views: {
      timeGridWeek: {
        allDaySlot: false,
        snapDuration: "00:15:00",
        scrollTime: "08:00:00",
        dayHeaderFormat: phone ? {weekday: "narrow", day: "numeric"} : {weekday: "short", day: "numeric"},
      },
      listWeek: {listDayFormat: {weekday: "long", day: "numeric", month: "long"}, listDaySideFormat: false},
    },
    noEventsContent: "Nothing planned for these days. Write a post with “New post”.",
    eventContent: entryContent,
    eventDidMount: (info) => {
      const props = info.event.extendedProps;
      info.el.title = `${props.account} on ${props.platformName} · ${props.statusLabel}\n${props.text}`;
      info.el.dataset.testid = "entry";
    },
    // A day's cell is named by its date number but holds entries too; its name comes from what it holds.
    dayCellDidMount: (info) => info.el.removeAttribute("aria-labelledby"),
    dateClick: composeAt,
    eventDrop: moveEntry,
    datesSet: shown,
    loading: (busy) => root.setAttribute("aria-busy", String(busy)),
  });
  calendar.render();

  document.querySelectorAll("[data-calendar-go]").forEach((button) => {
    button.addEventListener("click", () => calendar[button.dataset.calendarGo]());
  });
  document.querySelectorAll("[data-calendar-view]").forEach((button) => {
    button.addEventListener("click", () => {
      const type = VIEWS[button.dataset.calendarView];
      calendar.setOption("height", heightOf(type));
      calendar.changeView(type);
    });
  });

  const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const note = document.querySelector("[data-device-zone]");
  if (note && device && device !== config.zone) {
    note.textContent = ` · this device is on ${device}`;
    note.hidden = false;
  }
})();
