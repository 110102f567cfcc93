"""The licensed module "Customer value": datasets per business partner, key tables, the tile."""
