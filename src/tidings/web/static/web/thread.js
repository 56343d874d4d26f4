// The composer's thread editor: add, remove and reorder the posts after the first, each with its text counter and
// its own files. The server reads the posts in the order `thread_order` lists their slots.
(() => {
  const form = document.getElementById("composer");
  const section = form && form.querySelector("[data-thread]");
  if (!section) return;
  const list = section.querySelector("#thread-parts");
  const order = section.querySelector("#thread-order");
  const template = section.querySelector("#thread-part-template");
  let made = 0;

  const changed = () => form.dispatchEvent(new Event("change", { bubbles: true }));

  const count = (part) => {
    const text = part.querySelector("[data-part-text]").value;
    const length = [...text].length;
    part.querySelector("[data-part-count]").textContent = `${length} character${length === 1 ? "" : "s"}`;
  };

  const renumber = () => {
    const parts = [...list.querySelectorAll("[data-part]")];
    parts.forEach((part, index) => {
      const number = index + 2;
      part.querySelector("[data-part-number]").textContent = number;
      part.querySelector("[data-part-up]").disabled = index === 0;
      part.querySelector("[data-part-down]").disabled = index === parts.length - 1;
      part.querySelector("[data-part-up]").setAttribute("aria-label", `Move post ${number} up`);
      part.querySelector("[data-part-down]").setAttribute("aria-label", `Move post ${number} down`);
      part.querySelector("[data-part-remove]").setAttribute("aria-label", `Remove post ${number} and its files`);
      part.querySelector("[data-part-files]").setAttribute("aria-label", `Files for post ${number}`);
    });
    order.value = parts.map((part) => part.dataset.slot).join(",");
    section.dataset.parts = String(parts.length);
  };

  const removeStored = (id) => {
    // Taken off when the post is saved, as a file of the first post is.
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "remove_media";
    input.value = id;
    section.append(input);
  };

  const add = () => {
    made += 1;
    const slot = `n${Date.now().toString(36)}${made}`;
    const html = template.innerHTML.replaceAll("__slot__", slot);
    list.insertAdjacentHTML("beforeend", html);
    const part = list.lastElementChild;
    count(part);
    renumber();
    part.querySelector("[data-part-text]").focus();
    changed();
  };

  section.querySelector("[data-add-part]").addEventListener("click", add);

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const part = button && button.closest("[data-part]");
    if (!part) return;
    if (button.hasAttribute("data-part-remove")) {
      part.querySelectorAll("[data-part-file]").forEach((file) => removeStored(file.dataset.partFile));
      part.remove();
    } else if (button.hasAttribute("data-part-up") && part.previousElementSibling) {
      list.insertBefore(part, part.previousElementSibling);
    } else if (button.hasAttribute("data-part-down") && part.nextElementSibling) {
      list.insertBefore(part.nextElementSibling, part);
    } else if (button.hasAttribute("data-part-file-remove")) {
      removeStored(button.dataset.partFileRemove);
      button.closest("[data-part-file]").remove();
    } else {
      return;
    }
    renumber();
    changed();
  });

  list.addEventListener("input", (event) => {
    const part = event.target.closest("[data-part]");
    if (part && event.target.matches("[data-part-text]")) count(part);
  });

  list.addEventListener("change", (event) => {
    if (!event.target.matches("[data-part-files]")) return;
    const part = event.target.closest("[data-part]");
    const files = [...event.target.files];
    part.querySelector("[data-part-new]").value = String(files.length);
    part.querySelector("[data-part-file-names]").textContent = files.map((file) => file.name).join(", ");
  });

  list.addEventListener("dragover", (event) => {
    const zone = event.target.closest("[data-part-drop]");
    if (zone) zone.classList.add("is-over");
  });
  list.addEventListener("dragleave", (event) => {
    const zone = event.target.closest("[data-part-drop]");
    if (zone) zone.classList.remove("is-over");
  });
  list.addEventListener("drop", (event) => {
    const zone = event.target.closest("[data-part-drop]");
    if (zone) zone.classList.remove("is-over");
  });

  list.querySelectorAll("[data-part]").forEach(count);
  renumber();
  section.dataset.ready = "true";
})();
