// docintel clerk pages: zoom and pan of the scan, a field's box on the scan, keyboard shortcuts.
// Everything works without this file (plain links and forms); it only makes the common path fast.
(function () {
  "use strict";

  // ---- Scan viewer: the stage is scaled and moved inside the viewport with one CSS transform.
  const view = { scale: 1, x: 0, y: 0 };
  const MIN_SCALE = 0.5, MAX_SCALE = 6;

  function stage() { return document.getElementById("stage"); }
  function viewport() { return document.getElementById("viewport"); }

  function apply() {
    const s = stage();
    if (!s) return;
    s.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    const label = document.getElementById("zoom-level");
    if (label) label.textContent = Math.round(view.scale * 100) + "%";
  }

  function zoomAt(factor, cx, cy) {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
    // Keep the point under (cx, cy) where it is while the scale changes.
    view.x = cx - (cx - view.x) * (next / view.scale);
    view.y = cy - (cy - view.y) * (next / view.scale);
    view.scale = next;
    apply();
  }

  function zoomCentre(factor) {
    const v = viewport();
    if (v) zoomAt(factor, v.clientWidth / 2, v.clientHeight / 2);
  }

  function fit() { view.scale = 1; view.x = 0; view.y = 0; apply(); }

  function initViewer() {
    const v = viewport();
    if (!v) return;
    // A page that cannot be shown (the original is missing) says so instead of a broken image.
    document.querySelectorAll(".scan-page img").forEach((img) => {
      const missing = () => img.closest(".scan-page").classList.add("missing");
      if (img.complete && img.naturalWidth === 0) missing(); else img.addEventListener("error", missing);
    });
    v.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = v.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) zoomAt(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
      else { view.x -= e.deltaX; view.y -= e.deltaY; apply(); }
    }, { passive: false });
    let drag = null;
    v.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, ox: view.x, oy: view.y };
      v.classList.add("dragging");
      v.setPointerCapture(e.pointerId);
    });
    v.addEventListener("pointermove", (e) => {
      if (!drag) return;
      view.x = drag.ox + e.clientX - drag.x;
      view.y = drag.oy + e.clientY - drag.y;
      apply();
    });
    const stop = () => { drag = null; v.classList.remove("dragging"); };
    v.addEventListener("pointerup", stop);
    v.addEventListener("pointercancel", stop);
    document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
      const how = b.dataset.zoom;
      if (how === "in") zoomCentre(1.25); else if (how === "out") zoomCentre(0.8); else fit();
    }));
    apply();
  }

  // ---- Boxes: [page, x, y, w, h] in the page's reading frame (data-width/height), drawn in %
  // of the page so they stay on the words at any zoom.
  function clearBoxes() {
    document.querySelectorAll(".box").forEach((b) => b.remove());
    document.querySelectorAll(".field-row.active, .item-row.active").forEach((r) => r.classList.remove("active"));
  }

  function showBoxes(row) {
    let boxes;
    try { boxes = JSON.parse(row.dataset.boxes || "[]"); } catch (e) { boxes = []; }
    clearBoxes();
    row.classList.add("active");
    let first = null;
    for (const [pageNo, x, y, w, h] of boxes) {
      const page = document.querySelector(`.scan-page[data-page="${pageNo}"]`);
      if (!page || !page.dataset.width) continue;
      const pw = +page.dataset.width, ph = +page.dataset.height;
      const box = document.createElement("div");
      box.className = "box";
      box.style.left = (100 * x / pw) + "%";
      box.style.top = (100 * y / ph) + "%";
      box.style.width = (100 * w / pw) + "%";
      box.style.height = (100 * h / ph) + "%";
      page.appendChild(box);
      first = first || box;
    }
    if (first) bringIntoView(first);
  }

  function bringIntoView(box) {
    // Zoom so the box is readable, then centre it in the viewport.
    const v = viewport();
    const target = Math.min(MAX_SCALE, Math.max(view.scale, 1.6));
    view.scale = target;
    let left = 0, top = 0, el = box;
    while (el && el !== stage()) { left += el.offsetLeft; top += el.offsetTop; el = el.offsetParent; }
    const cx = left + box.offsetWidth / 2, cy = top + box.offsetHeight / 2;
    view.x = v.clientWidth / 2 - cx * view.scale;
    view.y = v.clientHeight / 2 - cy * view.scale;
    apply();
  }

  document.addEventListener("click", (e) => {
    const row = e.target.closest(".field-row.has-box, .item-row.has-box");
    if (row && !e.target.closest("button")) showBoxes(row);
  });
  document.addEventListener("focusin", (e) => {
    const row = e.target.closest && e.target.closest(".field-row.has-box, .item-row.has-box");
    if (row) showBoxes(row);
  });

  // ---- Keyboard: the common path without the mouse. Letters act only outside text inputs.
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function follow(id) {
    const link = document.getElementById(id);
    if (link) link.click();
  }

  function acceptFirstFlag() {
    const form = document.querySelector(".flag-accept");
    if (!form) return;
    const button = form.querySelector('button[value="resolved"]');
    form.requestSubmit(button);
  }

  function focusFlagged() {
    const review = document.getElementById("review");
    const id = review && review.dataset.firstTarget;
    const el = id ? document.getElementById(id) : document.querySelector("input.flagged, .field-row.flagged input, .field-row.flagged select");
    if (el) { el.focus(); if (el.select) el.select(); el.scrollIntoView({ block: "center" }); }
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(document.activeElement)) return;
    const actions = {
      n: () => follow("next-doc"), j: () => follow("next-doc"),
      p: () => follow("prev-doc"), k: () => follow("prev-doc"),
      a: acceptFirstFlag, f: focusFlagged, e: focusFlagged,
      "/": () => { const s = document.getElementById("quick-search"); if (s) s.focus(); },
      "+": () => zoomCentre(1.25), "=": () => zoomCentre(1.25), "-": () => zoomCentre(0.8), "0": fit,
    };
    const act = actions[e.key.toLowerCase()] || actions[e.key];
    if (act) { e.preventDefault(); act(); }
  });

  // Search thumbnails of documents whose original is missing: an empty frame, not a broken image.
  function initThumbnails() {
    document.querySelectorAll("img.thumb").forEach((img) => {
      const missing = () => img.classList.add("missing");
      if (img.complete && img.naturalWidth === 0 && img.src) missing(); else img.addEventListener("error", missing);
    });
  }

  // htmx does not swap error responses: say in the panel that the action was refused, and why.
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr, review = document.getElementById("review");
    if (!review) return;
    const doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const message = doc.querySelector(".alert.error");
    const banner = document.createElement("p");
    banner.className = "alert error";
    banner.setAttribute("role", "alert");
    banner.id = "action-error";
    banner.textContent = message ? message.textContent.trim() : `HTTP ${xhr.status}`;
    const old = document.getElementById("action-error");
    if (old) old.remove();
    review.prepend(banner);
  });

  document.addEventListener("DOMContentLoaded", () => { initViewer(); initThumbnails(); });
})();
