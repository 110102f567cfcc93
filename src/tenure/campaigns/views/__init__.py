"""Campaign pages, one module per audience: the retention team (``manage``), the agents' operator
desktop (``desktop``) and the analysts' uplift models (``uplift``)."""
