// The composer (web/compose.html): account avatars show their text tabs, files are dropped, described, ordered
// and removed before one upload with the post, AI drafts fill the text only on "Use this", and the previews
// (refreshed by htmx) show the files the browser holds.
"use strict";

(() => {
  const form = document.getElementById("composer");
  if (!form) return;
  const shared = document.getElementById("id_text");
  const fileInput = document.getElementById("id_attachments");
  const list = document.getElementById("media-list");
  const orderInput = document.getElementById("media-order");
  const infoInput = document.getElementById("media-info");
  const MAX_FILES = 10;
  const newFiles = new Map(); // list item -> File, for files not uploaded yet
  let reviseTarget = null;

  const checkedAccounts = () => [...form.querySelectorAll("input[name=accounts]:checked")];
  const fire = (element, type = "input") => element.dispatchEvent(new Event(type, {bubbles: true}));
  const activeText = () => form.querySelector(".composer-tab-content .tab-pane.active textarea") || shared;

  function showTab(button) {
    if (button && window.tabler && window.tabler.Tab) window.tabler.Tab.getOrCreateInstance(button).show();
  }

  function setText(textarea, text) {
    textarea.value = text;
    fire(textarea);
    const pane = textarea.closest(".tab-pane");
    if (pane) showTab(document.querySelector(`[data-bs-target="#${pane.id}"]`));
  }

  // Accounts: a chosen account shows its own tab; the AI's network list follows the chosen ones.
  function syncAccounts() {
    const chosen = checkedAccounts();
    const ids = new Set(chosen.map((input) => input.value));
    const platforms = new Set(chosen.map((input) => input.dataset.platform));
    form.querySelectorAll("[data-account-tab]").forEach((item) => {
      const on = ids.has(item.dataset.accountTab);
      item.hidden = !on;
      if (!on && item.querySelector(".nav-link.active")) showTab(document.getElementById("tab-shared-button"));
    });
    const select = form.querySelector("[data-ai-platform]");
    if (select) {
      for (const option of select.options) option.disabled = option.hidden = !platforms.has(option.value);
      if (!select.selectedOptions.length || select.selectedOptions[0].disabled) {
        const first = [...select.options].find((option) => !option.disabled);
        if (first) select.value = first.value;
      }
    }
    if (ids.size) document.getElementById("accounts-error").textContent = "";
  }
  form.addEventListener("change", (event) => {
    if (event.target.matches("input[name=accounts]")) syncAccounts();
  });

  // Each account's own text: a dot on its tab while it has one.
  form.addEventListener("input", (event) => {
    const own = event.target.closest("[data-override]");
    if (!own) return;
    const tab = document.getElementById(`tab-${own.dataset.override}-button`);
    if (tab) tab.querySelector(".own-dot").classList.toggle("d-none", !own.value.trim());
  });

  document.addEventListener("click", (event) => {
    const copy = event.target.closest("[data-copy-shared]");
    if (copy) setText(document.getElementById(copy.dataset.copyShared), shared.value);
    const clear = event.target.closest("[data-clear-override]");
    if (clear) setText(document.getElementById(clear.dataset.clearOverride), "");
    const when = event.target.closest("[data-set-when]");
    if (when) {
      const field = document.getElementById("id_when");
      field.value = when.dataset.setWhen;
      fire(field, "change");
      field.focus();
    }
  });

  // Files: held here until the post is saved, so nothing is stored for a post that is never written.
  function mediaError(message) {
    document.getElementById("media-error").textContent = message;
  }

  function newItem(file) {
    const item = document.createElement("li");
    item.className = "media-item";
    item.setAttribute("data-testid", "media-item");
    const number = list.children.length + 1;
    const video = file.type.startsWith("video/");
    const pdf = file.type === "application/pdf";
    item.innerHTML = `
      <span class="media-handle" title="Drag to reorder"><svg class="icon" aria-hidden="true"><use href="${iconHref("grip-vertical")}"></use></svg></span>
      ${video || pdf ? `<span class="media-thumb media-video" data-thumb><svg class="icon" aria-hidden="true"><use href="${iconHref(pdf ? "file-type-pdf" : "video")}"></use></svg></span>` : `<img class="media-thumb" alt="" data-thumb>`}
      <div class="media-fields min-w-0">
        <label class="visually-hidden"></label>
        <input class="form-control form-control-sm" name="new_alt" maxlength="1500" placeholder="Describe it for people who cannot see it (alt text)">
        <div class="small text-secondary text-truncate media-name"></div>
      </div>
      <button type="button" class="btn btn-icon btn-ghost-secondary" data-move-media aria-label="Move earlier"><svg class="icon" aria-hidden="true"><use href="${iconHref("arrow-up")}"></use></svg></button>
      <button type="button" class="btn btn-icon btn-ghost-danger" data-remove-media aria-label="Remove ${escapeAttr(file.name)}"><svg class="icon" aria-hidden="true"><use href="${iconHref("trash")}"></use></svg></button>`;
    const input = item.querySelector("input");
    input.id = `new-alt-${Date.now()}-${number}`;
    const label = item.querySelector("label");
    label.htmlFor = input.id;
    label.textContent = `Description of ${file.name}`;
    item.querySelector(".media-name").textContent = file.name;
    if (!video && !pdf) thumbnail(file, item);
    return item;
  }

  function iconHref(name) {
    const sprite = document.querySelector("svg.icon use");
    const base = sprite ? sprite.getAttribute("href").split("#")[0] : "";
    return `${base}#${name}`;
  }

  function escapeAttr(text) {
    return text.replace(/[&"<>]/g, (c) => ({"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})[c]);
  }

  // A small copy of the picture as a data: address (the page's policy allows images from data: and this site).
  async function thumbnail(file, item) {
    try {
      const bitmap = await createImageBitmap(file);
      item.dataset.width = bitmap.width;
      item.dataset.height = bitmap.height;
      const scale = Math.min(1, 480 / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      item.querySelector("[data-thumb]").src = canvas.toDataURL("image/jpeg", 0.85);
    } catch (error) {
      item.querySelector("[data-thumb]").alt = "No preview";
    }
    changed();
  }

  function addFiles(files) {
    mediaError("");
    for (const file of files) {
      if (list.children.length >= MAX_FILES) {
        mediaError(`A post takes at most ${MAX_FILES} files.`);
        break;
      }
      const item = newItem(file);
      newFiles.set(item, file);
      list.append(item);
    }
    changed();
  }

  // The file input holds exactly the new files, in the order shown; the tokens say where each one goes.
  function sync() {
    const transfer = new DataTransfer();
    const order = [];
    const info = [];
    let index = 0;
    for (const item of list.children) {
      if (item.dataset.id) {
        order.push(`s${item.dataset.id}`);
        info.push({id: item.dataset.id});
      } else if (newFiles.has(item)) {
        const file = newFiles.get(item);
        transfer.items.add(file);
        order.push(`n${index++}`);
        info.push({name: file.name, mime: file.type, size: file.size, width: item.dataset.width || "", height: item.dataset.height || ""});
      }
    }
    fileInput.files = transfer.files;
    orderInput.value = order.join(",");
    infoInput.value = JSON.stringify(info);
  }

  function changed() {
    sync();
    document.body.dispatchEvent(new Event("media-changed"));
  }

  fileInput.addEventListener("change", (event) => {
    event.stopPropagation();
    const held = new Set(newFiles.values());
    addFiles([...fileInput.files].filter((file) => !held.has(file)));
  });

  const zone = form.querySelector("[data-dropzone]");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("is-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-over");
    addFiles([...event.dataTransfer.files]);
  });

  list.addEventListener("click", (event) => {
    const item = event.target.closest(".media-item");
    if (!item) return;
    if (event.target.closest("[data-remove-media]")) {
      if (item.dataset.id) {
        const removed = document.createElement("input");
        removed.type = "hidden";
        removed.name = "remove_media";
        removed.value = item.dataset.id;
        document.getElementById("media-removed").append(removed);
      }
      newFiles.delete(item);
      item.remove();
      mediaError("");
      changed();
    } else if (event.target.closest("[data-move-media]") && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
      changed();
    }
  });
  list.addEventListener("input", (event) => {
    if (event.target.matches("input")) event.stopPropagation();
  });
  list.addEventListener("change", () => changed());
  if (window.Sortable) window.Sortable.create(list, {handle: ".media-handle", animation: 150, onEnd: changed});

  // The previews show the files the browser holds, in order.
  function fillPreviewMedia() {
    const thumbs = [...list.children].map((item) => item.querySelector("[data-thumb]")).filter(Boolean);
    document.querySelectorAll("[data-preview-media]").forEach((box) => {
      box.replaceChildren();
      for (const thumb of thumbs.slice(0, 4)) {
        if (thumb.tagName === "IMG" && thumb.getAttribute("src")) {
          const image = document.createElement("img");
          image.src = thumb.src;
          image.alt = thumb.closest(".media-item").querySelector("input").value;
          box.append(image);
        } else {
          const tile = document.createElement("div");
          tile.className = "preview-video";
          tile.innerHTML = thumb.innerHTML;
          box.append(tile);
        }
      }
      box.dataset.count = String(Math.min(thumbs.length, 4));
    });
  }

  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.id === "previews") {
      fillPreviewMedia();
      document.getElementById("id_when").classList.toggle("is-invalid", !!document.querySelector("[data-when-problem]"));
    }
  });

  // AI: "Improve" works on the tab in view, for its network; a result replaces text only on "Use this".
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-revise]");
    if (!button) return;
    reviseTarget = activeText();
    document.getElementById("ai-revise-text").value = reviseTarget.value;
    const tab = form.querySelector(".composer-tabs .nav-link.active[data-platform]");
    if (tab) document.getElementById("ai-platform").value = tab.dataset.platform;
  }, true);

  document.addEventListener("click", (event) => {
    const use = event.target.closest("[data-use-draft]");
    if (use) {
      const text = use.dataset.useDraft;
      if (use.hasAttribute("data-revised") && reviseTarget) {
        setText(reviseTarget, text);
      } else {
        const chosen = checkedAccounts();
        const platforms = new Set(chosen.map((input) => input.dataset.platform));
        if (platforms.size <= 1) setText(shared, text);
        else {
          for (const input of chosen.filter((input) => input.dataset.platform === use.dataset.platform)) {
            setText(document.getElementById(`override-${input.value}`), text);
          }
        }
      }
      use.disabled = true;
      use.lastChild.textContent = "In the composer";
    }
    const dismiss = event.target.closest("[data-dismiss-draft]");
    if (dismiss) dismiss.closest("[data-testid=draft]").remove();
  });

  // Before sending: an account must be chosen, and there must be something to post.
  form.addEventListener("submit", (event) => {
    sync();
    if (!checkedAccounts().length) {
      event.preventDefault();
      const error = document.getElementById("accounts-error");
      error.textContent = "Choose at least one account to post to.";
      document.getElementById("accounts-field").scrollIntoView({block: "center"});
      return;
    }
    const written = [shared, ...form.querySelectorAll("[data-override]")].some((t) => t.value.trim());
    if (!written && !list.children.length) {
      event.preventDefault();
      shared.classList.add("is-invalid");
      showTab(document.getElementById("tab-shared-button"));
      shared.focus();
    }
  });

  syncAccounts();
  sync();
})();
