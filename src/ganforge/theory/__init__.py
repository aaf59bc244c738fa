"""The 2014 paper's theory in torch alone, below the recipes that log it: ``measures`` (D*,
JSD, C(G), mode coverage: pure functions of points and masses) and ``probe`` (those numbers
for the current G and D at every log interval). The lab draws them; it imports from here."""
