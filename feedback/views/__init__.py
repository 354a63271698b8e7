"""The feedback feature's web layer: the citizen's side (status-page panel, survey, complaints), the counter
tablet, and the manager's pages (IKM, complaints inbox, LAPOR! export, settings, tablets)."""
