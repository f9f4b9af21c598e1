from tests.conftest import data_of


def test_current_user_with_api_key(gql, keys, world):
    result = gql("{ currentUser { id first_name organization { name } } }", key=keys["provider"])
    assert data_of(result)["currentUser"]["id"] == str(world.provider.pk)


def test_users_list(gql, keys, world):
    result = gql("{ users { id cursor tags { id } user_group { id } organization { id } } usersCount }",
                 key=keys["provider"])
    data = data_of(result)
    assert data["usersCount"] == 3
    assert len(data["users"]) == 3
