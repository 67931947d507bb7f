"""R-MAJ-3 follow-up sanctions of major cases: bid bars and construction-market bans."""
