// The Features tab's table and plots over the data view (panel_features.cpp draws the tab): the
// scatter of two features by class, and the table as CSV.
#pragma once
#include "app/app.h"

namespace app {

// Two features of the table (f.scatter_x, f.scatter_y) against each other, one dot per image coloured
// by class, the shown image (f.current) as a ring; hovering a dot names its image. F: features per row.
void scatter_plot(AppState& s, const FeaturesState& f, int F, ImVec2 size);

}  // namespace app
