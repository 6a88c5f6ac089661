// Search as you type on the contact lookup. An enhancement only: the form works without it.
// The answer is a list of links (the municipalities' pages); the count is announced politely.
(function () {
  "use strict";
  var form = document.querySelector("form[data-contact-search]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var box = form.querySelector(".contact-search__suggestions");
  var status = box.querySelector("[data-status]");
  var list = box.querySelector("[data-list]");
  var timer = null;
  var latest = 0;

  function show(results, query) {
    list.textContent = "";
    results.forEach(function (item) {
      var row = document.createElement("li");
      var link = document.createElement("a");
      link.className = "link";
      link.href = item.url;
      link.textContent = item.name;
      var county = document.createElement("span");
      county.className = "meta";
      county.textContent = item.county;
      row.appendChild(link);
      row.appendChild(document.createTextNode(" "));
      row.appendChild(county);
      list.appendChild(row);
    });
    list.hidden = results.length === 0;
    status.textContent = !query ? "" : results.length
      ? box.getAttribute("data-found").replace("{count}", String(results.length))
      : box.getAttribute("data-none");
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var query = input.value.trim();
    if (!query) { latest += 1; show([], ""); return; }
    timer = window.setTimeout(function () {
      var asked = (latest += 1);
      fetch(form.getAttribute("data-contact-search") + "?q=" + encodeURIComponent(query),
            { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (asked === latest) { show(data.results || [], query); } })
        .catch(function () { /* the search button still works */ });
    }, 250);
  });
})();
