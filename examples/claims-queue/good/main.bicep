// Claims intake: a Consumption Logic App receives a claim over HTTP and puts it on the `claims`
// Service Bus queue, authenticating with its system-assigned identity. The namespace accepts
// Entra ID only (no shared keys), and the identity may send to this one queue.

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Name of the Service Bus namespace.')
param namespaceName string

@description('Name of the queue that receives claims.')
param queueName string = 'claims'

@description('Name of the intake workflow.')
param workflowName string = 'claims-intake'

// Azure Service Bus Data Sender: send to queues and topics, nothing else.
var serviceBusDataSenderRoleId = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'

resource sb 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: namespaceName
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
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
        Accepted: {
          type: 'Response'
          kind: 'Http'
          runAfter: {
            Send_claim_to_queue: [
              'Succeeded'
            ]
          }
          inputs: {
            statusCode: 202
          }
        }
      }
    }
  }
}

resource sbDataSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: serviceBusDataSenderRoleId
}

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, la.id, sbDataSender.id)
  scope: queue
  properties: {
    roleDefinitionId: sbDataSender.id
    principalId: la.identity.principalId
    principalType: 'ServicePrincipal'
  }
}
