"""Payloads of the onboarding mutations (each with the documented ``messages`` list)."""

from __future__ import annotations

from schema.forms.onboarding_types import CompletedOnboardingItemType, OnboardingFlowType, OnboardingItemType
from schema.payloads import payload_type

CreateOnboardingFlowPayload = payload_type("createOnboardingFlowPayload", onboardingFlow=OnboardingFlowType)
UpdateOnboardingFlowPayload = payload_type("updateOnboardingFlowPayload", onboardingFlow=OnboardingFlowType)
DeleteOnboardingFlowPayload = payload_type("deleteOnboardingFlowPayload", onboardingFlow=OnboardingFlowType)
CreateOnboardingItemPayload = payload_type("createOnboardingItemPayload", onboardingItem=OnboardingItemType)
UpdateOnboardingItemPayload = payload_type("updateOnboardingItemPayload", onboardingItem=OnboardingItemType)
DeleteOnboardingItemPayload = payload_type("deleteOnboardingItemPayload", onboardingItem=OnboardingItemType)
CreateCompletedOnboardingItemPayload = payload_type("createCompletedOnboardingItemPayload",
                                                    completed_onboarding_item=CompletedOnboardingItemType)
