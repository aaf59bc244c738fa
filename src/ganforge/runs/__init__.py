"""A run directory as the layers above the recipes use it: start or resume training one
(``launch``, ``resume``), read its config and run.json (``read``), and load its trained networks
(``load``, ``generator``). ``ganforge.api`` re-exports these; the lab, the metrics runner,
``translate`` and the run viewers import them from here, never from ``api``."""
