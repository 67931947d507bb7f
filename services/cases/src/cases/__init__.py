"""Cases service (案件): case lifecycle, penalties, deadlines, QR-verifiable documents."""
