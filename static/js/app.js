// Behaviour that pages used to declare in inline handlers, which the Content-Security-Policy
// forbids: the language switcher submits on change, print buttons open the print dialog.
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

// A table wider than the screen scrolls inside its box. Such a box must be reachable and
// scrollable by keyboard and say what it holds: it joins the Tab order as a named region
// while it actually scrolls (on a phone), and leaves it when everything fits (a desktop).
(function () {
  // The app's table boxes, and the admin's lists and inline tables.
  var boxes = document.querySelectorAll(
    ".table-responsive, #changelist .results, .inline-group .tabular, .djn-group"
  );
  if (!boxes.length) { return; }
  function nameOf(box) {
    var caption = box.querySelector("caption");
    var section = box.closest("section, fieldset, .module");
    var heading = box.querySelector("h2, h3") ||
      (section && section.querySelector("h2, h3")) || document.querySelector("h1");
    var text = (caption && caption.textContent) || (heading && heading.textContent) || "";
    // A table nested in one of several forms (the questions of each area, in the admin)
    // is named after its form too, so that no two regions share a name.
    var outer = box.parentElement.closest(".djn-inline-form, .inline-related");
    var outerHeading = outer && outer.querySelector("h3");
    if (outerHeading) { text = outerHeading.textContent + " · " + text; }
    return text.replace(/\s+/g, " ").trim();
  }
  function mark() {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) { box.setAttribute("aria-label", nameOf(box)); }
        box.dataset.scrolls = "";
      } else if (box.hasAttribute("data-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("data-scrolls");
      }
    });
  }
  mark();
  var waiting;
  window.addEventListener("resize", function () {
    clearTimeout(waiting);
    waiting = setTimeout(mark, 100);
  });
})();
