// The what-if works as a plain GET form; with JavaScript, a change of any choice fetches
// the result part of the same page and puts it in place, and the address follows, so it
// can still be bookmarked or shared.
(function () {
  var form = document.getElementById("what-if-form");
  var result = document.getElementById("what-if-result");
  if (!form || !result || !window.fetch) { return; }
  var pending = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value) { params.append(key, value); } });
    return params;
  }

  function refresh() {
    var params = query();
    var address = form.dataset.partialUrl + (params.toString() ? "?" + params.toString() : "");
    params.append("partial", "1");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.dataset.partialUrl + "?" + params.toString(), {
      credentials: "same-origin",
      signal: pending.signal,
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      result.innerHTML = html;
      window.history.replaceState(null, "", address);
    }).catch(function () { /* aborted, or offline: the submit button still works */ });
  }

  form.addEventListener("change", refresh);
})();
