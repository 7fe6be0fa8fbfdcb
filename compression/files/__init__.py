"""Model files: training checkpoints (``.pt``) and the compact ``.cxm`` format."""
