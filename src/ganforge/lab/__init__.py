"""The lab: the adversarial game made visible and checked against the 2014 paper's theory.

The numbers themselves (D*, JSD, C(G), mode coverage, and the probe that logs them during
training) live below the recipes, in ``ganforge.theory``. Here: ``snapshots`` (training with
G/D saved at chosen steps), and the pictures: ``figure1`` (the paper's Figure 1 from a real
1-D run), ``field2d`` (D's heat map and the gradient field it gives G), ``curves`` (training
curves) and ``schedules`` (the k ratio).
"""
