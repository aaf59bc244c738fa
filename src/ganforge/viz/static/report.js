// The report's moving parts: curves and the sample-grid slider, from the embedded run data.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("run-data").textContent);
  GanforgeCharts.draw(document.getElementById("charts"), data.layout, data.records);
  var slider = document.getElementById("grid-slider");
  var image = document.getElementById("grid-image");
  var label = document.getElementById("grid-step");
  function show(i) {
    var grid = data.grids[i];
    image.src = grid.src;
    label.textContent = "step " + grid.step + " (" + (i + 1) + " of " + data.grids.length + ")";
  }
  if (data.grids.length) {
    slider.max = data.grids.length - 1;
    slider.value = data.grids.length - 1;
    slider.addEventListener("input", function () { show(+slider.value); });
    show(data.grids.length - 1);
  } else {
    document.querySelector("#samples .grid-view").hidden = true;
  }
  document.body.dataset.ready = "1";
})();
