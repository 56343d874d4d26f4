// The schedule picker: add and remove times, quick day choices, and carrying the picked schedule into the
// advanced cron field when it opens. The preview beside it is fetched by htmx (hx-post on the fieldset).
"use strict";

function picker() {
  return document.querySelector(".schedule-picker");
}

function timesChanged() {
  const root = picker();
  if (!root) return;
  const rows = root.querySelectorAll(".picker-time");
  const add = root.querySelector("[data-add-time]");
  const max = Number(root.querySelector("#picker-times").dataset.max || 6);
  if (add) add.disabled = rows.length >= max;
  root.dispatchEvent(new Event("times-changed", {bubbles: true}));
}

document.addEventListener("click", (event) => {
  const root = picker();
  if (!root) return;
  const add = event.target.closest("[data-add-time]");
  if (add) {
    const row = document.getElementById("picker-time-row").content.firstElementChild.cloneNode(true);
    const list = root.querySelector("#picker-times");
    list.append(row);
    const input = row.querySelector("input");
    input.setAttribute("aria-label", `Time ${list.children.length}`);
    input.focus();
    timesChanged();
    return;
  }
  const remove = event.target.closest("[data-remove-time]");
  if (remove) {
    const rows = root.querySelectorAll(".picker-time");
    const row = remove.closest(".picker-time");
    if (rows.length > 1) row.remove(); else row.querySelector("input").value = "";
    root.querySelector("[data-add-time]").focus();
    timesChanged();
    return;
  }
  const days = event.target.closest("[data-days]");
  if (days) {
    const chosen = new Set(days.dataset.days.split(","));
    root.querySelectorAll("input[name=days]").forEach((box) => { box.checked = chosen.has(box.value); });
    root.dispatchEvent(new Event("change", {bubbles: true}));
  }
});

// Opening "Advanced" starts from the schedule picked so far, unless a cron was typed there already.
document.addEventListener("change", (event) => {
  if (event.target.id !== "mode-cron") return;
  const cron = document.getElementById("id_cron");
  const shown = document.querySelector("[data-testid=schedule-cron]");
  if (cron && shown && (!cron.value.trim() || cron.dataset.typed !== "true")) cron.value = shown.dataset.cron;
}, true);  // before htmx sends the preview for the new mode
document.addEventListener("input", (event) => {
  if (event.target.id === "id_cron") event.target.dataset.typed = "true";
});

document.addEventListener("DOMContentLoaded", timesChanged);
