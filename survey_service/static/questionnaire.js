// Live skip logic: blocks marked data-relevant='[{"question": "...", "in": [..]}]' show
// only while every condition holds. Hidden blocks' inputs are disabled so they are not
// sent. The server applies the same rules, so nothing depends on this script.
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form) { return; }
  var blocks = form.querySelectorAll("[data-relevant]");
  function values(name) {
    var found = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.disabled) { return; }
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      found.push(parseInt(input.value, 10));
    });
    return found;
  }
  function holds(conditions) {
    return conditions.every(function (c) {
      return values(c.question).some(function (v) { return c["in"].indexOf(v) >= 0; });
    });
  }
  function apply() {
    blocks.forEach(function (block) {
      var show = holds(JSON.parse(block.getAttribute("data-relevant")));
      block.hidden = !show;
      block.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }
  form.addEventListener("change", apply);
  apply();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
