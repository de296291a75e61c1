"""igb: replicate RIVM report 270161002 (2010) on intersectoral health policy and rerun it on new waves."""

__version__ = "0.1.0"
