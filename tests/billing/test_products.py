"""Products: create, update, delete, the list with sort orders, validation, permissions, tenancy
and SQL counts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.accounts.models import OrganizationMembership
from apps.billing.models import Product
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db

FIELDS = "id name price remaining_quantity unlimited_quantity tax_rate tax_description taxable user { id }"
CREATE = f"""mutation ($input: createProductInput) {{ createProduct(input: $input) {{ product {{ {FIELDS} }}
  messages {{ field message }} }} }}"""
UPDATE = f"""mutation ($input: updateProductInput) {{ updateProduct(input: $input) {{ product {{ {FIELDS} }}
  messages {{ field message }} }} }}"""
DELETE = """mutation ($id: ID) { deleteProduct(input: { id: $id }) { product { id } messages { field message } } }"""
LIST = """query ($keywords: String, $order_by: ProductOrderKeys, $sort_by: String, $n: Int) {
  products(keywords: $keywords, order_by: $order_by, sort_by: $sort_by, page_size: $n) { name remaining_quantity
    user { id } } productsCount(keywords: $keywords) }"""


def test_create_update_delete(gql, world, keys):
    created = data_of(gql(CREATE, {"input": {"name": "Protein powder", "price": "29.99", "remaining_quantity": "12",
                                             "tax_rate": "8.875", "tax_description": "NY sales tax"}},
                          key=keys["provider"]))["createProduct"]
    assert created["messages"] == []
    product = created["product"]
    assert {k: v for k, v in product.items() if k != "id"} == {
        "name": "Protein powder", "price": "29.99", "remaining_quantity": "12", "unlimited_quantity": False,
        "tax_rate": "8.875", "tax_description": "NY sales tax", "taxable": True, "user": {"id": str(world.provider.pk)}}
    updated = data_of(gql(UPDATE, {"input": {"id": product["id"], "unlimited_quantity": True, "tax_rate": "",
                                             "price": "25"}}, key=keys["owner"]))["updateProduct"]
    assert updated["messages"] == []
    assert (updated["product"]["remaining_quantity"], updated["product"]["unlimited_quantity"],
            updated["product"]["taxable"], updated["product"]["price"]) == ("unlimited", True, False, "25.00")
    deleted = data_of(gql(DELETE, {"id": product["id"]}, key=keys["provider"]))["deleteProduct"]
    assert deleted == {"product": {"id": product["id"]}, "messages": []}
    assert Product.objects.get().deleted_at is not None
    assert data_of(gql(LIST, {}, key=keys["provider"]))["products"] == []


@pytest.mark.parametrize(("values", "field"), [
    ({"name": ""}, "name"),
    ({"price": "abc"}, "price"),
    ({"price": "1.999"}, "price"),
    ({"price": "Infinity"}, "price"),
    ({"remaining_quantity": "-3"}, "remaining_quantity"),
    ({"tax_rate": "101"}, "tax_rate"),
    ({"tax_rate": "NaN"}, "tax_rate"),
])
def test_bad_input(gql, world, keys, values, field):
    payload = {"name": "Scale", "price": "10", "unlimited_quantity": True, **values}
    result = data_of(gql(CREATE, {"input": payload}, key=keys["provider"]))["createProduct"]
    assert result["product"] is None and [m["field"] for m in result["messages"]] == [field]
    assert not Product.objects.exists()


def test_permissions_and_tenancy(gql, world, keys, other_keys):
    assert error_codes(gql(CREATE, {"input": {"name": "X", "price": "1", "unlimited_quantity": True}},
                           key=keys["patient"])) == ["FORBIDDEN"]
    OrganizationMembership.objects.filter(user=world.staff).update(can_edit_products=False)
    assert error_codes(gql(CREATE, {"input": {"name": "X", "price": "1", "unlimited_quantity": True}},
                           key=keys["staff"])) == ["FORBIDDEN"]
    product = Product.objects.create(organization=world.org, name="Ours", price=Decimal("5"))
    for query, variables in ((UPDATE, {"input": {"id": str(product.pk), "name": "Theirs"}}),
                             (DELETE, {"id": str(product.pk)})):
        payload = next(iter(data_of(gql(query, variables, key=other_keys["owner"])).values()))
        assert payload["messages"] == [{"field": "id", "message": "Product not found."}]
    product.refresh_from_db()
    assert (product.name, product.deleted_at) == ("Ours", None)
    assert data_of(gql(LIST, {}, key=other_keys["owner"]))["products"] == []


def test_list_sorts_and_count(gql, world, keys):
    Product.objects.create(organization=world.org, name="banana", price=Decimal("3"), quantity=5)
    Product.objects.create(organization=world.org, name="Apple", price=Decimal("9"), quantity=None)
    Product.objects.create(organization=world.org, name="cherry", price=Decimal("1"), quantity=50)

    def names(**variables):
        return [p["name"] for p in data_of(gql(LIST, variables, key=keys["provider"]))["products"]]

    assert names(order_by="NAME_ASC") == ["Apple", "banana", "cherry"]
    assert names(order_by="PRICE_DESC") == ["Apple", "banana", "cherry"]
    assert names(order_by="QUANTITY_ASC") == ["banana", "cherry", "Apple"]
    assert names(sort_by="name_desc") == ["cherry", "banana", "Apple"]
    assert names(keywords="an") == ["banana"]
    assert data_of(gql(LIST, {"keywords": "an"}, key=keys["provider"]))["productsCount"] == 1
    assert error_codes(gql(LIST, {"sort_by": "color"}, key=keys["provider"])) == ["BAD_USER_INPUT"]


def test_products_sql_count_flat(gql, world, keys, count_queries):
    for index in range(8):
        Product.objects.create(organization=world.org, name=f"P{index}", price=Decimal("1"), user=world.provider)
    data_of(gql(LIST, {"n": 1}, key=keys["provider"]))
    small, few = count_queries(lambda: data_of(gql(LIST, {"n": 2}, key=keys["provider"])))
    large, many = count_queries(lambda: data_of(gql(LIST, {"n": 8}, key=keys["provider"])))
    assert len(small["products"]) == 2 and len(large["products"]) == 8
    assert few == many
