"""The Instantly tools. Each module registers its tools on TOOLBOX when imported."""

from shared.tooling import Toolbox

TOOLBOX = Toolbox("instantly")
