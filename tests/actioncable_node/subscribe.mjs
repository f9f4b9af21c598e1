// The documented frontend setup (Apollo Client + @rails/actioncable + graphql-ruby-client's
// ActionCableLink) under Node: subscribes to userUpdatedSubscription over ActionCable, updates the
// user over HTTP until an event arrives, prints the event as one JSON line and exits 0.
// Read by tests/subscriptions/test_actioncable_node.py, which sets the environment below.
import WebSocket from 'ws'
import * as ActionCable from '@rails/actioncable'
import ActionCableLink from 'graphql-ruby-client/subscriptions/ActionCableLink'
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from '@apollo/client'
import { getMainDefinition } from '@apollo/client/utilities'

const { GRAPHQL_URL, WS_URL, API_KEY, USER_ID } = process.env

// A browser gives the consumer a WebSocket and window events; Node 20 has neither.
ActionCable.adapters.WebSocket = WebSocket
globalThis.addEventListener ??= () => {}
globalThis.removeEventListener ??= () => {}

const httpLink = new HttpLink({
  uri: GRAPHQL_URL,
  headers: { Authorization: `Basic ${API_KEY}`, AuthorizationSource: 'API' },
})
const cable = ActionCable.createConsumer(WS_URL)
const wsLink = new ActionCableLink({ cable })
const link = split(
  ({ query }) => {
    const { kind, operation } = getMainDefinition(query)
    return kind === 'OperationDefinition' && operation === 'subscription'
  },
  wsLink,
  httpLink,
)
const client = new ApolloClient({ link, cache: new InMemoryCache() })

const USER_UPDATED = gql`
  subscription onUserUpdated($id: ID) {
    userUpdatedSubscription(id: $id) { id first_name organization { id } }
  }
`
const UPDATE = gql`
  mutation nudge($input: updateClientInput) {
    updateClient(input: $input) { user { id } messages { field message } }
  }
`

const deadline = setTimeout(() => {
  console.error('no event within 30 s')
  process.exit(1)
}, 30_000)

let nudges = 0
const nudger = setInterval(async () => {
  nudges += 1
  const { data } = await client.mutate({
    mutation: UPDATE,
    variables: { input: { id: USER_ID, first_name: `Cable${nudges}` } },
  })
  if (data.updateClient.messages.length) {
    console.error(JSON.stringify(data.updateClient.messages))
    process.exit(1)
  }
}, 300)

const subscription = client.subscribe({ query: USER_UPDATED, variables: { id: USER_ID } }).subscribe({
  next(result) {
    if (result.error || !result.data?.userUpdatedSubscription) {
      console.error(JSON.stringify(result))
      process.exit(1)
    }
    clearInterval(nudger)
    clearTimeout(deadline)
    console.log(JSON.stringify(result.data))
    subscription.unsubscribe()
    cable.disconnect()
    process.exit(0)
  },
  error(error) {
    console.error(String(error))
    process.exit(1)
  },
})
