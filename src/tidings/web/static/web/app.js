// Behaviour every page shares, here rather than inline: the Content-Security-Policy runs only our own files.
// Page-specific behaviour lives in its own file beside this one, loaded by that page's template.
"use strict";

const ui = window.tabler || {};

// Light and dark: the choice is kept in this browser; theme.js applies it before the page paints.
document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-theme-toggle]")) return;
  const dark = document.documentElement.getAttribute("data-bs-theme") !== "dark";
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
  localStorage.setItem("tidings-theme", dark ? "dark" : "light");
});

// Toasts: the server's messages fade after a few seconds unless they are errors or warnings, which stay until
// closed. htmx responses raise more with an HX-Trigger header: {"toast": {"message": "…", "level": "success"}}.
function startToast(element) {
  if (!ui.Toast) return;
  const autohide = element.dataset.autohide !== "false";
  ui.Toast.getOrCreateInstance(element, {autohide, delay: 6000}).show();
}

function toast(message, level = "success") {
  const template = document.getElementById("toast-template");
  if (!template) return;
  const element = template.content.firstElementChild.cloneNode(true);
  element.classList.add(`toast-${level}`);
  element.dataset.autohide = level === "error" || level === "warning" ? "false" : "true";
  element.querySelector(".message").textContent = message;
  document.getElementById("toasts").append(element);
  startToast(element);
}
window.tidingsToast = toast;

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("#toasts .toast").forEach(startToast);
});
document.body.addEventListener("toast", (event) => toast(event.detail.message, event.detail.level));

// Confirmation before something that cannot be undone: a form with data-confirm="Delete this post?" (and
// optionally data-confirm-detail and data-confirm-action) asks in a dialog first; without JavaScript it just posts.
let confirmed = null;
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (!form || confirmed === form) { confirmed = null; return; }
  event.preventDefault();
  const dialog = document.getElementById("confirm-dialog") || buildConfirmDialog();
  dialog.querySelector("[data-confirm-title]").textContent = form.dataset.confirm;
  dialog.querySelector("[data-confirm-detail]").textContent = form.dataset.confirmDetail || "";
  const go = dialog.querySelector("[data-confirm-go]");
  go.textContent = form.dataset.confirmAction || "Yes, go ahead";
  const submitter = event.submitter;
  go.onclick = () => {
    confirmed = form;
    ui.Modal.getInstance(dialog).hide();
    form.requestSubmit(submitter && form.contains(submitter) ? submitter : undefined);
  };
  ui.Modal.getOrCreateInstance(dialog).show();
});

function buildConfirmDialog() {
  const dialog = document.createElement("div");
  dialog.className = "modal modal-blur fade";
  dialog.id = "confirm-dialog";
  dialog.tabIndex = -1;
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
  dialog.innerHTML = `
    <div class="modal-dialog modal-sm modal-dialog-centered" role="document">
      <div class="modal-content">
        <div class="modal-status bg-danger"></div>
        <div class="modal-body text-center py-4">
          <h2 class="h3" id="confirm-dialog-title" data-confirm-title></h2>
          <p class="text-secondary" data-confirm-detail></p>
        </div>
        <div class="modal-footer"><div class="w-100"><div class="row g-2">
          <div class="col"><button type="button" class="btn w-100" data-bs-dismiss="modal">Keep it</button></div>
          <div class="col"><button type="button" class="btn btn-danger w-100" data-confirm-go></button></div>
        </div></div></div>
      </div>
    </div>`;
  document.body.append(dialog);
  return dialog;
}
