"""A Novita-compatible simulator: the embedded default when there is no API key, and every test's server.

running = start(Path("data/simulator"), SimulatorConfig(processing_seconds=2))
SimulatorControl(running.url).fault("status", match="submit", status=500)
"""

from lib.simulator.control import SimulatorControl
from lib.simulator.inputs import RuleBroken
from lib.simulator.server import RunningSimulator, start
from lib.simulator.tasks import Fault, Simulator, SimulatorConfig

__all__ = ["Fault", "RuleBroken", "RunningSimulator", "Simulator", "SimulatorConfig", "SimulatorControl", "start"]
