from schema.permissions import register_public
from schema.scheduling.mutations import Mutation
from schema.scheduling.queries import Query

# Self-scheduling works without credentials; these resolvers scope public callers to the
# clients-bookable data of the provider they name (see apps.scheduling.selectors).
register_public("appointmentTypes", "daysAvailableForRange", "availableSlotsForRange", "nextAvailableSlot",
                "completeCheckout", "contactTypes")

__all__ = ["Mutation", "Query"]
