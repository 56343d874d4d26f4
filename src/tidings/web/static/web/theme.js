// Runs before the page paints: the theme the user chose (or their system's) is set before any style applies.
(() => {
  const stored = localStorage.getItem("tidings-theme");
  const dark = stored ? stored === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();
