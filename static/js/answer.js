// Keeps the progress counters in step with the radios as the manager answers,
// before anything is saved. The server computes the same figures on every load.
(function () {
  const form = document.getElementById("answers-form");
  if (!form) return;
  const total = document.querySelector("[data-progress-total]");
  const bar = document.querySelector("[data-progress-bar]");
  function refresh() {
    const cards = form.querySelectorAll(".question-card");
    let answered = 0;
    const perArea = {};
    cards.forEach(function (card) {
      const done = card.querySelector("input[type=radio]:checked") !== null;
      card.classList.toggle("is-answered", done);
      if (done) card.classList.remove("is-missing");
      perArea[card.dataset.area] = (perArea[card.dataset.area] || 0) + (done ? 1 : 0);
      answered += done ? 1 : 0;
    });
    total.textContent = answered;
    bar.value = answered;
    bar.textContent = Math.round(100 * answered / cards.length) + " %";
    Object.keys(perArea).forEach(function (code) {
      const cell = document.querySelector('[data-progress-area="' + code + '"]');
      if (cell) cell.textContent = perArea[code];
    });
  }
  form.addEventListener("change", refresh);
})();
