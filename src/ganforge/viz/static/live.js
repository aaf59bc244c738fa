// The live page: poll state.json for the records not seen yet, redraw the curves, show the
// newest grid, the step counter, steps/s and the ETA.
"use strict";
(function () {
  var settings = JSON.parse(document.getElementById("page-data").textContent);
  var records = [], generation = 0, gridUrl = null, failures = 0;
  var $ = function (id) { return document.getElementById(id); };

  function duration(s) {
    if (s === null || s === undefined) return "–";
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
  }

  function show(state) {
    if (state.generation !== generation) records = [];
    generation = state.generation;
    records = records.concat(state.records);
    $("title").textContent = (state.recipe || "ganforge") + (state.data ? " on " + state.data : "");
    $("subtitle").textContent = state.run;
    $("step").textContent = state.step.toLocaleString("en");
    $("total").textContent = state.total_steps ? state.total_steps.toLocaleString("en") : "?";
    $("rate").textContent = state.steps_per_s ? state.steps_per_s.toPrecision(3) : "–";
    $("eta").textContent = state.done ? "done" : duration(state.eta_s);
    $("state").textContent = state.done ? "finished" : (records.length ? "training" : "waiting for the first log interval");
    $("grid-title").textContent = state.kind === "points" ? "Newest samples: data (black) and G (green)" : "Newest samples";
    if (state.grid && state.grid.url + state.grid.step !== gridUrl) {
      gridUrl = state.grid.url + state.grid.step;
      $("grid-image").src = state.grid.url;
      $("grid-image").hidden = false;
      $("grid-step").textContent = "step " + state.grid.step.toLocaleString("en");
      $("grid-step").dataset.step = state.grid.step;
    }
    if (state.field && state.field.url !== $("field-image").getAttribute("src")) {
      $("field-image").src = state.field.url;
      $("field-step").textContent = "D's field at the checkpoint of step " + state.field.step.toLocaleString("en") +
        ": data (black), G(z) (green), D(x) (colour) and where G's next step pushes its samples (arrows)";
      $("field").hidden = false;
    }
    if (state.records.length || !document.querySelector("#charts figure")) {
      GanforgeCharts.draw($("charts"), state.layout, records);
    }
    document.body.dataset.step = state.step;
  }

  function poll() {
    fetch("state.json?since=" + records.length + "&gen=" + generation, {cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (state) { failures = 0; show(state); })
      .catch(function () {
        failures += 1;
        $("state").textContent = "the server has stopped (training ended?): showing the last state";
      })
      .then(function () { if (failures < 30) setTimeout(poll, settings.poll_ms); });
  }
  poll();
})();
