// Claims intake, halfway through the move to managed identity: the system-assigned identity is
// enabled and the send uses it, but nobody granted it a role on the queue, so every send gets 401.
// The old `servicebus` API connection, built from the namespace's RootManageSharedAccessKey, is
// still deployed and catches the failure, so claims still flow: through a full-rights shared key.

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Name of the Service Bus namespace.')
param namespaceName string

@description('Name of the queue that receives claims.')
param queueName string = 'claims'

@description('Name of the intake workflow.')
param workflowName string = 'claims-intake'

resource sb 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: namespaceName
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    minimumTlsVersion: '1.2'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: sb
  name: queueName
  properties: {
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
  }
}

resource rootKey 'Microsoft.ServiceBus/namespaces/AuthorizationRules@2022-10-01-preview' existing = {
  parent: sb
  name: 'RootManageSharedAccessKey'
}

resource sbConnection 'Microsoft.Web/connections@2016-06-01' = {
  name: 'servicebus'
  location: location
  properties: {
    displayName: 'claims-servicebus'
    api: {
      id: subscriptionResourceId('Microsoft.Web/locations/managedApis', location, 'servicebus')
    }
    parameterValues: {
      connectionString: rootKey.listKeys().primaryConnectionString
    }
  }
}

resource la 'Microsoft.Logic/workflows@2019-05-01' = {
  name: workflowName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    state: 'Enabled'
    definition: {
      '$schema': 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#'
      contentVersion: '1.0.0.0'
      parameters: {
        '$connections': {
          defaultValue: {}
          type: 'Object'
        }
      }
      triggers: {
        manual: {
          type: 'Request'
          kind: 'Http'
          inputs: {
            schema: {
              type: 'object'
              properties: {
                claimId: {
                  type: 'string'
                }
              }
            }
          }
        }
      }
      actions: {
        Send_claim_to_queue: {
          type: 'Http'
          inputs: {
            method: 'POST'
            uri: 'https://${namespaceName}.servicebus.windows.net/${queueName}/messages'
            headers: {
              'Content-Type': 'application/json'
            }
            body: '@triggerBody()'
            authentication: {
              type: 'ManagedServiceIdentity'
              audience: 'https://servicebus.azure.net'
            }
          }
        }
        Send_claim_with_key: {
          type: 'ApiConnection'
          runAfter: {
            Send_claim_to_queue: [
              'Failed'
              'TimedOut'
            ]
          }
          inputs: {
            host: {
              connection: {
                name: '@parameters(\'$connections\')[\'servicebus\'][\'connectionId\']'
              }
            }
            method: 'post'
            path: '/@{encodeURIComponent(encodeURIComponent(\'${queueName}\'))}/messages'
            body: {
              ContentData: '@{base64(triggerBody())}'
            }
            queries: {
              systemProperties: 'None'
            }
          }
        }
        Accepted: {
          type: 'Response'
          kind: 'Http'
          runAfter: {
            Send_claim_with_key: [
              'Succeeded'
              'Skipped'
            ]
          }
          inputs: {
            statusCode: 202
          }
        }
      }
    }
    parameters: {
      '$connections': {
        value: {
          servicebus: {
            connectionId: sbConnection.id
            connectionName: sbConnection.name
            id: subscriptionResourceId('Microsoft.Web/locations/managedApis', location, 'servicebus')
          }
        }
      }
    }
  }
}
