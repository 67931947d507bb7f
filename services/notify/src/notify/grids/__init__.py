"""The grids (网格) notify learns from credit: whose grid workers serve a document in person."""
