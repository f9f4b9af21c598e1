"""Package, coupon, product and recurring-payment mutations: build the service's typed input,
call one service, return the payload."""

from __future__ import annotations

import strawberry

from apps.billing.selectors import packages as selectors
from apps.billing.services import coupons, packages, products, recurring
from apps.core.errors import ValidationFailed
from schema.billing import package_inputs as inputs
from schema.billing import package_payloads as payloads
from schema.context import Info
from schema.payloads import run


def _cancel_recurring(info: Info, raw_id: object) -> dict:
    viewer = info.context.viewer
    item = selectors.billing_item_for_recurring(viewer, raw_id)
    if item.recurring_payment_id is None:
        raise ValidationFailed("billing_item_id", "This payment is not part of a recurring payment.")
    recurring.cancel(viewer, item.recurring_payment)
    return {"billingItem": item}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates a package (Offering).")
    def createOffering(  # noqa: N802
        self, info: Info, input: inputs.CreateOfferingInput | None = None
    ) -> payloads.CreateOfferingPayload | None:
        return run(payloads.CreateOfferingPayload,
                   lambda: packages.create_offering(info.context.viewer, inputs.offering_input(input)), "offering")

    @strawberry.mutation(description="Changes a package; archived true archives it, false restores it. "
                         "offering_includes, when sent, is the package's whole list.")
    def updateOffering(  # noqa: N802
        self, info: Info, input: inputs.UpdateOfferingInput | None = None
    ) -> payloads.UpdateOfferingPayload | None:
        raw_id = input.id if input else None
        return run(payloads.UpdateOfferingPayload,
                   lambda: packages.update_offering(info.context.viewer, raw_id or None, inputs.offering_input(input)),
                   "offering")

    @strawberry.mutation(description="Copies a package (hidden, named '<name> (copy)').")
    def copyOffering(  # noqa: N802
        self, info: Info, input: inputs.CopyOfferingInput | None = None
    ) -> payloads.CopyOfferingPayload | None:
        return run(payloads.CopyOfferingPayload,
                   lambda: packages.copy_offering(info.context.viewer, input.id if input else None), "offering")

    @strawberry.mutation(description="Deletes a package (soft: purchases and recurring payments go on).")
    def deleteOffering(  # noqa: N802
        self, info: Info, input: inputs.DeleteOfferingInput | None = None
    ) -> payloads.DeleteOfferingPayload | None:
        return run(payloads.DeleteOfferingPayload,
                   lambda: packages.delete_offering(info.context.viewer, input.id if input else None), "offering")

    @strawberry.mutation(description="Creates a coupon: promo_type percentage (amount_off percent) or flat "
                         "(flat_amount_off or amount_off money).")
    def createOfferingCoupon(  # noqa: N802
        self, info: Info, input: inputs.CreateOfferingCouponInput | None = None
    ) -> payloads.CreateOfferingCouponPayload | None:
        return run(payloads.CreateOfferingCouponPayload,
                   lambda: coupons.create_coupon(info.context.viewer, inputs.coupon_input(input)), "offeringCoupon")

    @strawberry.mutation
    def deleteOfferingCoupon(  # noqa: N802
        self, info: Info, input: inputs.DeleteOfferingCouponInput | None = None
    ) -> payloads.DeleteOfferingCouponPayload | None:
        return run(payloads.DeleteOfferingCouponPayload,
                   lambda: coupons.delete_coupon(info.context.viewer, input.id if input else None), "offeringCoupon")

    @strawberry.mutation
    def createProduct(  # noqa: N802
        self, info: Info, input: inputs.CreateProductInput | None = None
    ) -> payloads.CreateProductPayload | None:
        return run(payloads.CreateProductPayload,
                   lambda: products.create_product(info.context.viewer, inputs.product_input(input)), "product")

    @strawberry.mutation
    def updateProduct(  # noqa: N802
        self, info: Info, input: inputs.UpdateProductInput | None = None
    ) -> payloads.UpdateProductPayload | None:
        raw_id = input.id if input else None
        return run(payloads.UpdateProductPayload,
                   lambda: products.update_product(info.context.viewer, raw_id or None, inputs.product_input(input)),
                   "product")

    @strawberry.mutation
    def deleteProduct(  # noqa: N802
        self, info: Info, input: inputs.DeleteProductInput | None = None
    ) -> payloads.DeleteProductPayload | None:
        return run(payloads.DeleteProductPayload,
                   lambda: products.delete_product(info.context.viewer, input.id if input else None), "product")

    @strawberry.mutation(description="Cancels the recurring payment a billing item belongs to: no further charges.")
    def cancelRecurringPayment(  # noqa: N802
        self, info: Info, input: inputs.CancelRecurringPaymentInput | None = None
    ) -> payloads.CancelRecurringPaymentPayload | None:
        raw_id = input.billing_item_id if input else None
        return run(payloads.CancelRecurringPaymentPayload, lambda: _cancel_recurring(info, raw_id))

    @strawberry.mutation(description="Sets a client's own prices per appointment type (an empty price removes "
                         "one); answers the client's prices.")
    def updateUserAppointmentPricing(  # noqa: N802
        self, info: Info, input: inputs.UpdateUserAppointmentPricingInput | None = None
    ) -> payloads.UpdateUserAppointmentPricingPayload | None:
        data = input or inputs.UpdateUserAppointmentPricingInput()
        return run(payloads.UpdateUserAppointmentPricingPayload,
                   lambda: packages.update_user_appointment_pricing(info.context.viewer, user_id=data.user_id,
                                                                    prices=inputs.advance_prices(data)),
                   "advance_appointment_prices")
