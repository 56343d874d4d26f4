// The queue's selection: ticking posts (or all on the page) enables the bulk actions and counts what is chosen;
// Delete asks first through app.js's confirmation dialog. Re-read after htmx swaps in another page of results.
"use strict";

(() => {
  const boxes = () => [...document.querySelectorAll("[data-queue-select]")];

  function sync() {
    const all = boxes();
    const chosen = all.filter((box) => box.checked).length;
    const count = document.querySelector("[data-queue-count]");
    if (count) count.textContent = chosen ? `${chosen} selected` : "None selected";
    const every = document.querySelector("[data-queue-select-all]");
    if (every) {
      every.checked = chosen > 0 && chosen === all.length;
      every.indeterminate = chosen > 0 && chosen < all.length;
    }
    document.querySelectorAll("[data-queue-needs-selection]").forEach((button) => { button.disabled = !chosen; });
    all.forEach((box) => box.closest(".queue-card")?.classList.toggle("queue-card-selected", box.checked));
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-queue-select-all]")) {
      boxes().forEach((box) => { box.checked = target.checked; });
      sync();
    } else if (target.matches("[data-queue-select]")) {
      sync();
    }
  });

  // Typing a time or a number of days picks the way of moving that goes with it.
  document.addEventListener("input", (event) => {
    const form = event.target.closest("[data-queue-bulk]");
    if (!form) return;
    const mode = event.target.name === "when" ? "time" : event.target.name === "days" ? "shift" : null;
    if (mode) form.querySelector(`input[name=mode][value=${mode}]`).checked = true;
  });

  // Before app.js's own listener (capture phase): only Delete asks for confirmation.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-queue-bulk]")) return;
    const button = event.submitter;
    if (button && button.dataset.queueConfirm) {
      const chosen = boxes().filter((box) => box.checked).length;
      form.dataset.confirm = button.dataset.queueConfirm.replace("the selected posts", `${chosen} post${chosen === 1 ? "" : "s"}`);
      form.dataset.confirmDetail = button.dataset.queueConfirmDetail;
      form.dataset.confirmAction = button.dataset.queueConfirmAction;
    } else {
      delete form.dataset.confirm;
    }
  }, true);

  // The filter fields sit outside the swapped results: after a swap, a cleared filter or a step back in history,
  // they take the values the results were made with (the field being typed in is left alone).
  function syncFilters() {
    const results = document.getElementById("queue-results");
    const form = document.getElementById("queue-filters");
    if (!results || !form) return;
    for (const name of ["q", "account", "platform"]) {
      const field = form.elements[name];
      const value = results.dataset[name] || "";
      if (field && field !== document.activeElement && field.value !== value) field.value = value;
    }
  }
  document.addEventListener("htmx:afterSettle", syncFilters);
  document.addEventListener("htmx:historyRestore", () => { syncFilters(); sync(); });

  // The filters apply as they change (htmx); the button is for a browser without JavaScript.
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-queue-filter-go]").forEach((element) => element.classList.add("d-none"));
    sync();
  });
  document.addEventListener("htmx:afterSettle", sync);
})();
