"""The metrics' keys sorted into charts: D's probabilities with the ½ line for the minimax
family, raw scores for critics, every unknown key still drawn."""

from ganforge.viz.charts import chart_layout, numeric_keys


def _titles(layout):
    return {c["title"]: c for c in layout}


def test_minimax_run_gets_probabilities_with_the_half_line():
    keys = {"step", "d_loss", "g_loss", "d_real", "d_fake", "value", "grad_norm_D", "grad_norm_G", "lr_D", "lr_G",
            "sec_per_step"}
    charts = _titles(chart_layout(keys, probabilistic=True))
    assert charts["D(x) and D(G(z))"]["reference"] == 0.5
    assert charts["Losses"]["keys"] == ["d_loss", "g_loss"]
    assert charts["Gradient norms"]["log_y"] and charts["Speed (steps/s)"]["invert"]
    assert charts["Learning rates"]["keys"] == ["lr_D", "lr_G"]
    assert sum(len(c["keys"]) for c in charts.values()) == len(keys) - 1  # every key once, step on the x axis


def test_critic_and_energy_values_and_unknown_keys():
    keys = {"d_loss", "g_loss", "d_real_score", "d_fake_score", "w_estimate", "d_adv", "d_gp", "lr_D", "lr_G",
            "energy_real", "energy_fake", "k", "brand_new_statistic"}
    charts = _titles(chart_layout(keys, probabilistic=False))
    assert "D(x) and D(G(z))" not in charts
    assert charts["Critic scores"]["keys"] == ["d_real_score", "d_fake_score"]
    assert charts["Energies"]["keys"] == ["energy_real", "energy_fake"]
    assert charts["Loss terms"]["keys"] == ["d_adv", "d_gp"]
    assert charts["brand_new_statistic"]["keys"] == ["brand_new_statistic"] and "k" in charts


def test_toy_probe_keys_are_not_taken_for_loss_terms():
    keys = {"d_loss", "g_loss", "lr_D", "lr_G", "d_star_gap", "jsd", "g_outside_box", "hq_share", "modes_covered"}
    charts = _titles(chart_layout(keys, probabilistic=True))
    assert "Loss terms" not in charts and charts["JSD (nats) and mean |D − D*|"]["keys"] == ["jsd", "d_star_gap"]


def test_numeric_keys_skip_text_and_lists():
    records = [{"step": 1, "d_loss": 1.0, "jsd": None, "warning": "mode collapse", "missing_modes": [1, 2]}]
    assert numeric_keys(records) == {"step", "d_loss", "jsd"}


def test_ada_probability_and_heuristic_share_one_chart():
    charts = _titles(chart_layout({"step", "d_loss", "augment_p", "augment_rt"}, probabilistic=True))
    assert charts["Augmentation (ADA)"]["keys"] == ["augment_p", "augment_rt"]
