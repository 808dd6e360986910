// Plan viewer: renders one page of the PDF with pdf.js, shows the comments listed on the
// page as markers at their normalised position (0..1 from the top left, so they stay put at
// any zoom), and fills the comment form from a click (point) or a drag (rectangle).
// Everything it shows is also on the page without JavaScript.
const wurzel = document.getElementById("planansicht");
if (wurzel) {
  start(wurzel).catch((e) => status("Der Plan konnte nicht angezeigt werden. Bitte laden Sie das PDF herunter.", "fehler", e));
}

function status(text, zustand, fehler) {
  const el = document.getElementById("plan-status");
  if (el) { el.textContent = text; el.dataset.zustand = zustand; }
  if (fehler) console.error(fehler);
}

async function start(w) {
  const pdfjs = await import(w.dataset.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = w.dataset.worker;
  const pdf = await pdfjs.getDocument({
    url: w.dataset.pdf,
    isEvalSupported: false,
    useWasm: false,
    wasmUrl: w.dataset.wasm,
    standardFontDataUrl: w.dataset.fonts,
    cMapUrl: w.dataset.cmaps,
    cMapPacked: true,
  }).promise;
  const canvas = document.getElementById("plan-canvas");
  const ebene = document.getElementById("plan-ebene");
  const buehne = document.getElementById("plan-buehne");
  const form = document.getElementById("kommentar-form");
  let seite = Math.min(Math.max(parseInt(w.dataset.seite, 10) || 1, 1), pdf.numPages);
  let zoom = parseInt(w.dataset.zoom, 10) || 100;
  let aufgabe = null;
  document.getElementById("planansicht-seiten").textContent = String(pdf.numPages);

  async function zeichne() {
    if (aufgabe) aufgabe.cancel();
    const page = await pdf.getPage(seite);
    const basis = page.getViewport({ scale: 1 });
    // 100 % = the page fits the frame's width; zoom scales from there.
    const breite = Math.max(buehne.parentElement.clientWidth - 16, 200);
    const viewport = page.getViewport({ scale: (breite / basis.width) * (zoom / 100) });
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = Math.floor(viewport.width) + "px";
    canvas.style.height = Math.floor(viewport.height) + "px";
    aufgabe = page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport, transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null });
    try { await aufgabe.promise; } catch (e) { if (e && e.name === "RenderingCancelledException") return; throw e; }
    aufgabe = null;
    document.getElementById("planansicht-seite").textContent = String(seite);
    document.getElementById("zoom-wert").textContent = zoom + " %";
    canvas.setAttribute("aria-label", "Seite " + seite + " des Plans; klicken setzt einen Kommentar, Ziehen markiert einen Bereich");
    w.dataset.seite = String(seite);
    w.dataset.zoom = String(zoom);
    const url = new URL(window.location.href);
    url.searchParams.set("seite", String(seite));
    url.searchParams.set("zoom", String(zoom));
    history.replaceState(null, "", url.pathname + url.search + url.hash);
    if (form) {
      form.elements.namedItem("zoom").value = String(zoom);
      if (!form.elements.namedItem("x").value) form.elements.namedItem("seite").value = String(seite);
    }
    markiere();
    status("Seite " + seite + " von " + pdf.numPages + " angezeigt.", "bereit");
  }

  function marker(x, y, bw, bh, text, klasse) {
    const m = document.createElement("button");
    m.type = "button";
    m.className = "kommentar-marker" + (bw ? " kommentar-bereich" : "") + (klasse ? " " + klasse : "");
    m.style.left = (x * 100) + "%";
    m.style.top = (y * 100) + "%";
    if (bw) { m.style.width = (bw * 100) + "%"; m.style.height = (bh * 100) + "%"; }
    m.textContent = text;
    ebene.appendChild(m);
    return m;
  }

  function markiere() {
    ebene.replaceChildren();
    document.querySelectorAll("#kommentare > li[data-kommentar]").forEach((li, i) => {
      if (parseInt(li.dataset.seite, 10) !== seite) return;
      const bw = li.dataset.w ? parseFloat(li.dataset.w) : 0;
      const bh = li.dataset.h ? parseFloat(li.dataset.h) : 0;
      const m = marker(parseFloat(li.dataset.x), parseFloat(li.dataset.y), bw, bh, String(i + 1));
      m.dataset.kommentar = li.dataset.kommentar;
      m.setAttribute("aria-label", "Kommentar " + (i + 1) + " zeigen");
      m.addEventListener("click", (ev) => {
        ev.stopPropagation();
        document.querySelectorAll(".pk-kommentar--hervorgehoben").forEach((x) => x.classList.remove("pk-kommentar--hervorgehoben"));
        li.classList.add("pk-kommentar--hervorgehoben");
        li.scrollIntoView({ block: "center" });
      });
    });
    if (form && form.elements.namedItem("x").value && parseInt(form.elements.namedItem("seite").value, 10) === seite) {
      const f = (n) => parseFloat(String(form.elements.namedItem(n).value).replace(",", "."));
      const bw = f("w"), bh = f("h");
      const neu = marker(f("x"), f("y"), bw > 0 ? bw : 0, bh > 0 ? bh : 0, "+", "kommentar-marker--neu");
      neu.id = "kommentar-neu";
      neu.tabIndex = -1;
    }
  }

  // Click = point, drag = rectangle; positions relative to the page as shown.
  let anfang = null;
  const lage = (ev) => {
    const r = canvas.getBoundingClientRect();
    return { x: Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1), y: Math.min(Math.max((ev.clientY - r.top) / r.height, 0), 1) };
  };
  const rund = (v) => String(Math.round(v * 10000) / 10000);
  if (form) {
    canvas.addEventListener("pointerdown", (ev) => { anfang = lage(ev); ev.preventDefault(); });
    // A touch that became a scroll or a pinch sets nothing.
    canvas.addEventListener("pointercancel", () => { anfang = null; });
    canvas.addEventListener("pointerup", (ev) => {
      if (!anfang) return;
      const ende = lage(ev);
      const el = form.elements;
      el.namedItem("seite").value = String(seite);
      const r = canvas.getBoundingClientRect();
      const gezogen = Math.abs(ende.x - anfang.x) * r.width > 6 || Math.abs(ende.y - anfang.y) * r.height > 6;
      if (gezogen) {
        const x = Math.min(anfang.x, ende.x), y = Math.min(anfang.y, ende.y);
        el.namedItem("x").value = rund(x); el.namedItem("y").value = rund(y);
        el.namedItem("w").value = rund(Math.min(Math.abs(ende.x - anfang.x), 1 - x));
        el.namedItem("h").value = rund(Math.min(Math.abs(ende.y - anfang.y), 1 - y));
      } else {
        el.namedItem("x").value = rund(ende.x); el.namedItem("y").value = rund(ende.y);
        el.namedItem("w").value = ""; el.namedItem("h").value = "";
      }
      anfang = null;
      markiere();
      el.namedItem("text").focus();
      status("Position gesetzt. Schreiben Sie nun Ihren Kommentar und speichern Sie ihn.", "position");
    });
  }

  // The keyboard path: the plan takes the focus; the arrow keys move a crosshair (5 % of
  // the page per press, 1 % with Shift), Enter sets the comment's point there and moves the
  // focus to the comment's text. A frame: Space fixes one corner at the crosshair, the
  // arrows draw the frame to the opposite corner, Enter sets it (Escape or Space again
  // drops the corner). Where the crosshair and the frame are, is said in words.
  if (form) {
    let kreuz = null;
    let rahmen = null;
    let anker = null;
    const wo = { x: 0.5, y: 0.5 };
    const prozent = (v) => Math.round(v * 100) + " %";
    const ort = (p) => prozent(p.x) + " von links, " + prozent(p.y) + " von oben";
    const feld = () => {
      const x = Math.min(anker.x, wo.x), y = Math.min(anker.y, wo.y);
      return { x, y, w: Math.abs(wo.x - anker.x), h: Math.abs(wo.y - anker.y) };
    };
    const zeige = () => {
      if (!kreuz || !kreuz.isConnected) {
        kreuz = document.createElement("span");
        kreuz.className = "kommentar-marker kommentar-marker--kreuz";
        kreuz.setAttribute("aria-hidden", "true");
        kreuz.textContent = "+";
        ebene.appendChild(kreuz);
      }
      kreuz.style.left = (wo.x * 100) + "%";
      kreuz.style.top = (wo.y * 100) + "%";
      if (anker) {
        if (!rahmen || !rahmen.isConnected) {
          rahmen = document.createElement("span");
          rahmen.className = "kommentar-marker kommentar-bereich kommentar-marker--rahmen";
          rahmen.setAttribute("aria-hidden", "true");
          ebene.appendChild(rahmen);
        }
        const f = feld();
        rahmen.style.left = (f.x * 100) + "%"; rahmen.style.top = (f.y * 100) + "%";
        rahmen.style.width = (f.w * 100) + "%"; rahmen.style.height = (f.h * 100) + "%";
        status("Rahmen von " + ort(anker) + " bis " + ort(wo) + ". Eingabetaste setzt den Rahmen, Escape verwirft ihn.", "kreuz");
      } else {
        if (rahmen) { rahmen.remove(); rahmen = null; }
        status("Position " + ort(wo) + ". Eingabetaste setzt hier den Punkt des Kommentars, Leertaste beginnt einen Rahmen.", "kreuz");
      }
    };
    const setze = (werte, ansage) => {
      const el = form.elements;
      el.namedItem("seite").value = String(seite);
      el.namedItem("x").value = rund(werte.x); el.namedItem("y").value = rund(werte.y);
      el.namedItem("w").value = werte.w ? rund(werte.w) : ""; el.namedItem("h").value = werte.h ? rund(werte.h) : "";
      anker = null;
      markiere();
      el.namedItem("text").focus();
      status(ansage + " Schreiben Sie nun Ihren Kommentar und speichern Sie ihn.", "position");
    };
    buehne.tabIndex = 0;
    buehne.setAttribute("role", "group");
    buehne.setAttribute("aria-label", "Plan, Seite " + seite + ": Pfeiltasten wählen eine Stelle, die Eingabetaste setzt dort den Kommentar, die Leertaste beginnt einen Rahmen");
    buehne.addEventListener("focus", zeige);
    buehne.addEventListener("blur", () => {
      if (kreuz) { kreuz.remove(); kreuz = null; }
      if (rahmen) { rahmen.remove(); rahmen = null; }
      anker = null;
    });
    buehne.addEventListener("keydown", (ev) => {
      const schritt = ev.shiftKey ? 0.01 : 0.05;
      const zu = { ArrowLeft: [-schritt, 0], ArrowRight: [schritt, 0], ArrowUp: [0, -schritt], ArrowDown: [0, schritt] }[ev.key];
      if (zu) {
        ev.preventDefault();
        wo.x = Math.min(Math.max(Math.round((wo.x + zu[0]) * 100) / 100, 0), 1);
        wo.y = Math.min(Math.max(Math.round((wo.y + zu[1]) * 100) / 100, 0), 1);
        zeige();
      } else if (ev.key === " ") {
        ev.preventDefault();
        anker = anker ? null : { x: wo.x, y: wo.y };
        zeige();
      } else if (ev.key === "Escape" && anker) {
        ev.preventDefault();
        anker = null;
        zeige();
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        const f = anker ? feld() : null;
        if (f && f.w > 0 && f.h > 0) {
          setze(f, "Rahmen gesetzt von " + ort(f) + ", " + prozent(f.w) + " breit und " + prozent(f.h) + " hoch.");
        } else {
          setze({ x: wo.x, y: wo.y }, "Punkt gesetzt bei " + ort(wo) + ".");
        }
      }
    });
  }

  const blaettern = (d) => (ev) => {
    ev.preventDefault();
    const neu = seite + d;
    if (neu < 1 || neu > pdf.numPages) return;
    seite = neu;
    zeichne();
  };
  const zoomen = (d) => (ev) => {
    ev.preventDefault();
    zoom = Math.min(Math.max(zoom + d, 25), 400);
    zeichne();
  };
  document.getElementById("seite-zurueck").addEventListener("click", blaettern(-1));
  document.getElementById("seite-vor").addEventListener("click", blaettern(1));
  document.getElementById("zoom-aus").addEventListener("click", zoomen(-25));
  document.getElementById("zoom-ein").addEventListener("click", zoomen(25));
  await zeichne();
}
