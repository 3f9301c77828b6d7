// Starts a real Bluesky PDS (with its PLC directory) on loopback ports using @atproto/dev-env,
// creates one account, prints {"url", "handle", "password", "did"} as one JSON line, and stops
// when its standard input closes. Run by tests/connectors/test_bluesky_pds.py with Node 22.
import { TestNetworkNoAppView } from '@atproto/dev-env'

const network = await TestNetworkNoAppView.create({})
const seed = network.getSeedClient()
const password = 'office-app-password-123'
const account = await seed.createAccount('office', {
  handle: 'office-mp.test',
  email: 'office@example.test',
  password,
})
process.stdout.write(
  JSON.stringify({ url: network.pds.url, handle: 'office-mp.test', password, did: account.did }) + '\n',
)
process.stdin.resume()
process.stdin.on('end', async () => {
  await network.close()
  process.exit(0)
})
