// Progressive enhancement only: every page works without it.
// The menu button of the compact header (narrow screens): it shows and hides the navigation
// and the account line; Escape closes the menu and returns focus to the button.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const knopf = document.querySelector(".pk-menuknopf");
  const kopf = document.querySelector(".pk-header");
  if (!knopf || !kopf) return;
  knopf.hidden = false;
  const setze = (offen) => {
    kopf.classList.toggle("pk-header--offen", offen);
    knopf.setAttribute("aria-expanded", String(offen));
  };
  knopf.addEventListener("click", () => setze(!kopf.classList.contains("pk-header--offen")));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && kopf.classList.contains("pk-header--offen")) {
      setze(false);
      knopf.focus();
    }
  });
});
