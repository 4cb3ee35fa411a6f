// teescope-cli explore: exhaustive exploration of a scenario (issue 11).
#pragma once

#include <QStringList>

// Exit status: 0 complete and nothing found, 1 a finding (a violation or a
// stuck state), 2 bad input, 3 a bound was hit (or Ctrl+C) before the search
// completed with nothing found: not a proof.
int cmdExplore(const QStringList &args);
