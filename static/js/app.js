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

// The scatter of scores and outcomes names the organisation under the pointer. Its points
// are fetched when the pointer first reaches the chart, so a page of a large group is no
// heavier; the table under the chart holds the same data for keyboards and screen readers.
(function () {
  document.querySelectorAll("[data-scatter]").forEach(function (figure) {
    var image = figure.querySelector("img");
    var numbers = function (text) { return text.split(",").map(Number); };
    var box = numbers(figure.dataset.box);  // left, bottom, right, top: fractions of the image
    var xlim = numbers(figure.dataset.xlim);
    var ylim = numbers(figure.dataset.ylim);
    var points = null;
    var asked = false;
    var tip = document.createElement("div");
    tip.className = "scatter-tip";
    tip.hidden = true;
    tip.setAttribute("aria-hidden", "true");
    figure.appendChild(tip);
    function load() {
      if (asked) { return; }
      asked = true;
      fetch(figure.dataset.pointsUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { points = data.points; })
        .catch(function () { asked = false; });
    }
    function at(point, rect) {
      var x = box[0] + (box[2] - box[0]) * (point[0] - xlim[0]) / (xlim[1] - xlim[0]);
      var y = box[1] + (box[3] - box[1]) * (point[1] - ylim[0]) / (ylim[1] - ylim[0]);
      return [rect.width * x, rect.height * (1 - y)];
    }
    image.addEventListener("pointerenter", load);
    image.addEventListener("pointermove", function (event) {
      if (!points) { load(); return; }
      var rect = image.getBoundingClientRect();
      var px = event.clientX - rect.left;
      var py = event.clientY - rect.top;
      var nearest = null;
      var best = 12 * 12;  // within 12 px of the pointer
      points.forEach(function (point) {
        var spot = at(point, rect);
        var distance = Math.pow(spot[0] - px, 2) + Math.pow(spot[1] - py, 2);
        if (distance < best) { best = distance; nearest = [point, spot]; }
      });
      if (!nearest) { tip.hidden = true; return; }
      tip.textContent = nearest[0][2] + " · " + nearest[0][3];
      tip.style.left = (image.offsetLeft + nearest[1][0] + 10) + "px";
      tip.style.top = (image.offsetTop + nearest[1][1] - 30) + "px";
      tip.hidden = false;
    });
    image.addEventListener("pointerleave", function () { tip.hidden = true; });
  });
})();
