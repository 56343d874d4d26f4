// The composer's Insert menu (web/composer/insert.html): a snippet or a hashtag group goes in at the cursor of the
// text field last written in (the shared text, an account's own, a post of the thread, the first comment), or of
// the text of the tab shown when that field is out of sight. The menu is a dropdown, so arrows and Escape work.
"use strict";

(() => {
  const form = document.getElementById("composer");
  if (!form) return;
  const FIELDS = "textarea.composer-text, #id_first_comment";
  let last = null;

  form.addEventListener("focusin", (event) => {
    if (event.target.matches(FIELDS)) last = event.target;
  });

  const inSight = (field) => field && field.isConnected && field.offsetParent !== null;
  const shownText = () =>
    form.querySelector(".composer-tab-content .tab-pane.active textarea") || document.getElementById("id_text");

  function insert(text) {
    const field = inSight(last) ? last : shownText();
    if (!field) return;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    const before = field.value.slice(0, start);
    const after = field.value.slice(end);
    // A space on either side where the inserted words would otherwise run into the text around them.
    const lead = before && !/\s$/.test(before) ? " " : "";
    const trail = after && !/^\s/.test(after) ? " " : "";
    field.setRangeText(lead + text + trail, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", {bubbles: true}));
  }

  form.addEventListener("click", (event) => {
    const item = event.target.closest("[data-insert]");
    if (!item) return;
    event.preventDefault();
    insert(item.dataset.insert);
  });
})();
