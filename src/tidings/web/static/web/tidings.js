// Behaviour for the app's pages, here rather than inline: the Content-Security-Policy runs only our own files.

// "Use this" on an AI draft (web/partials/drafts.html, swapped in by htmx) copies it into the composer's text;
// the input event refreshes the per-platform previews.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-use-draft]");
  if (!button) return;
  const text = document.getElementById("id_text");
  text.value = button.dataset.useDraft;
  text.dispatchEvent(new Event("input", {bubbles: true}));
});
