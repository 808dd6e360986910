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

// Filters above a list start folded on a phone, so the list is on the first screen (open
// without JavaScript, and on wider screens).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 40rem)").matches) return;
  document.querySelectorAll("details[data-pk-schmal-zu]").forEach((d) => (d.open = false));
});

// Controls that only work with JavaScript are hidden without it.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-pk-nur-js]").forEach((el) => (el.hidden = false));
});

// "Weitere Zeile" buttons (own Nebenbestimmungen, Gebühren, Befunde): with JavaScript the new row is
// added in place, numbered as the server would number it, and the focus moves into it, so
// the page neither reloads nor jumps to the top. Without JavaScript the button submits and
// the server adds the row. The button names the rows it copies: data-pk-zeile="<selector>".
document.addEventListener("click", (e) => {
  const knopf = e.target.closest("[data-pk-zeile]");
  if (!knopf) return;
  const zeilen = document.querySelectorAll(knopf.dataset.pkZeile);
  const letzte = zeilen[zeilen.length - 1];
  if (!letzte) return;
  const nummer = (s) => {
    const m = /(\d+)$/.exec(s || "");
    return m ? parseInt(m[1], 10) : null;
  };
  // The row's number: from its fields' names (nb_text_3) or, where every row sends the
  // same names (befund_text), from their ids (befund-text-3).
  let hoechste = null;
  letzte.querySelectorAll("[name], [id]").forEach((f) => {
    for (const s of [f.getAttribute("name"), f.id]) {
      const n = nummer(s);
      if (n !== null && (hoechste === null || n > hoechste)) hoechste = n;
    }
  });
  if (hoechste === null) return;
  e.preventDefault();
  const n = String(hoechste + 1);
  const um = (s) => s.replace(/(\d+)$/, n);
  const neu = letzte.cloneNode(true);
  neu.querySelectorAll("[id]").forEach((el) => { if (nummer(el.id) !== null) el.id = um(el.id); });
  neu.querySelectorAll("[name]").forEach((el) => { if (nummer(el.name) !== null) el.name = um(el.name); });
  neu.querySelectorAll("label[for]").forEach((el) => { if (nummer(el.getAttribute("for")) !== null) el.setAttribute("for", um(el.getAttribute("for"))); });
  neu.querySelectorAll("[data-pk-nr]").forEach((el) => (el.textContent = n));
  if (neu.dataset.zeile) neu.dataset.zeile = n;
  neu.querySelectorAll("textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio])").forEach((f) => (f.value = ""));
  neu.querySelectorAll("input[type=checkbox], input[type=radio]").forEach((f) => (f.checked = false));
  neu.querySelectorAll("select").forEach((s) => {
    const vorgabe = s.querySelector("option[selected]") || s.options[0];
    if (vorgabe) s.value = vorgabe.value;
  });
  letzte.after(neu);
  const erstes = neu.querySelector("select, textarea, input:not([type=hidden])");
  if (erstes) erstes.focus();
});
