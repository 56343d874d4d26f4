// The sign-up, settings and first-run pages: the browser's time zone offered where a zone is chosen, the searchable
// list of zones (Tom Select), and copying a new API token. Everything works without it, only with less help.
"use strict";

const browserZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return "";
  }
})();

// Hidden inputs take the browser's zone (the server maps old names such as Asia/Calcutta to current ones), and
// labels show it; a note about the account's zone hides when the two agree.
function fillBrowserZone() {
  if (!browserZone) return;
  document.querySelectorAll("input[data-browser-zone]").forEach((input) => { input.value = browserZone; });
  document.querySelectorAll("[data-browser-zone-label]").forEach((element) => { element.textContent = browserZone; });
  document.querySelectorAll("[data-zone-current]").forEach((element) => {
    element.hidden = element.dataset.zoneCurrent === browserZone;
  });
}

// The time zone field: type a city, a region or an offset (+05:30) to find it; "Use it" picks the browser's.
function zonePickers() {
  document.querySelectorAll("select[data-zone-picker]").forEach((select) => {
    const picker = window.TomSelect
      ? new window.TomSelect(select, {maxOptions: null, create: false, selectOnTab: true})
      : null;
    // The label now names Tom Select's own input; the select it hides stays only to be submitted.
    if (picker) select.setAttribute("aria-hidden", "true");
    const suggest = select.closest("form")?.querySelector("[data-zone-suggest]");
    const listed = [...select.options].some((option) => option.value === browserZone);
    if (!suggest || !browserZone || !listed || select.value === browserZone) return;
    suggest.hidden = false;
    suggest.querySelector("[data-use-browser-zone]").addEventListener("click", () => {
      if (picker) picker.setValue(browserZone);
      else select.value = browserZone;
      suggest.hidden = true;
    });
  });
}

// A button with data-copy="#element" copies that element's text and says so.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  await navigator.clipboard.writeText(source.textContent.trim());
  if (window.tidingsToast) window.tidingsToast("Copied to the clipboard.");
});

document.addEventListener("DOMContentLoaded", () => {
  fillBrowserZone();
  zonePickers();
});
