// The TikTok options of an account's tab, as TikTok's Content Sharing Guidelines ask: the brand choices appear
// once the video is disclosed as commercial, the label it will carry is spelled out, branded content cannot be
// private, and the Branded Content Policy joins the declaration when it applies.
(function () {
  "use strict";

  function refresh(box) {
    var commercial = box.querySelector("[data-tiktok=commercial]");
    if (!commercial) return;
    var own = box.querySelector("[data-tiktok=your-brand]");
    var paid = box.querySelector("[data-tiktok=branded]");
    var on = commercial.checked;
    var branded = on && paid.checked;
    box.querySelector("[data-tiktok=brands]").hidden = !on;
    box.querySelector("[data-tiktok=label-none]").hidden = !on || own.checked || paid.checked;
    box.querySelector("[data-tiktok=label-promo]").hidden = !on || !own.checked || paid.checked;
    box.querySelector("[data-tiktok=label-paid]").hidden = !branded;
    box.querySelector("[data-tiktok=bc-policy]").hidden = !branded;
    var privacy = box.querySelector("[data-tiktok=privacy]");
    var only = privacy && privacy.querySelector("option[value=SELF_ONLY]");
    if (only) {
      only.disabled = branded;
      if (branded && privacy.value === "SELF_ONLY") privacy.value = "";
    }
    box.dataset.ready = "true";
  }

  function refreshAll(root) {
    (root || document).querySelectorAll(".tiktok-options").forEach(refresh);
  }

  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest(".tiktok-options");
    if (box) refresh(box);
  });
  document.addEventListener("htmx:load", function (event) {
    refreshAll(event.target.parentNode || document);
  });
  document.addEventListener("DOMContentLoaded", function () {
    refreshAll(document);
  });
})();
