"""Mesa agents: government buyers, social organizations, residents."""

from .buyer import GovernmentBuyer, InHouseUnit
from .organization import SocialOrganization
from .resident import Resident, Residents

__all__ = ["GovernmentBuyer", "InHouseUnit", "Resident", "Residents", "SocialOrganization"]
