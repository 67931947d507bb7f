"""Case lifecycle (案件流程): opening, registration (立案), the state machine and its timeline,
closing (结案)."""
