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
