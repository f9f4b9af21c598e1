"""Payloads of package, coupon, product and recurring-payment mutations."""

from __future__ import annotations

from schema.billing.package_types import (
    AdvanceAppointmentPriceType,
    BillingItemRef,
    OfferingCouponType,
    OfferingType,
    ProductType,
)
from schema.payloads import payload_type

CreateOfferingPayload = payload_type("createOfferingPayload", offering=OfferingType)
UpdateOfferingPayload = payload_type("updateOfferingPayload", offering=OfferingType)
CopyOfferingPayload = payload_type("copyOfferingPayload", offering=OfferingType)
DeleteOfferingPayload = payload_type("deleteOfferingPayload", offering=OfferingType)
CreateOfferingCouponPayload = payload_type("createOfferingCouponPayload", offeringCoupon=OfferingCouponType)
DeleteOfferingCouponPayload = payload_type("deleteOfferingCouponPayload", offeringCoupon=OfferingCouponType)
CreateProductPayload = payload_type("createProductPayload", product=ProductType)
UpdateProductPayload = payload_type("updateProductPayload", product=ProductType)
DeleteProductPayload = payload_type("deleteProductPayload", product=ProductType)
UpdateUserAppointmentPricingPayload = payload_type("updateUserAppointmentPricingPayload",
                                                   advance_appointment_prices=list[AdvanceAppointmentPriceType | None])
CancelRecurringPaymentPayload = payload_type("cancelRecurringPaymentPayload", billingItem=BillingItemRef)
