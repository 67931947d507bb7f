"""Major-case emergency response (重大案件应急响应): triggers, the "1+6" task force, milestones."""
