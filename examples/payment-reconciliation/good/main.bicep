// Payment reconciliation: a Consumption Logic App that, once a day, reads the settlement
// provider's API key from Key Vault with its system-assigned identity and calls the provider.
// The identity holds exactly one role: Key Vault Secrets User on this vault.

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Name of the Key Vault that holds the settlement API key.')
param keyVaultName string

@description('Name of the reconciliation workflow.')
param workflowName string = 'payment-reconciliation'

@description('Name of the secret the workflow reads.')
param secretName string = 'settlement-api-key'

@description('Settlement provider endpoint the workflow posts to.')
param settlementEndpoint string = 'https://settlement.contoso.example/api/reconcile'

// Key Vault Secrets User: secrets/getSecret/action and secrets/readMetadata/action, nothing else.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
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
        Daily: {
          type: 'Recurrence'
          recurrence: {
            frequency: 'Day'
            interval: 1
          }
        }
      }
      actions: {
        Get_settlement_key: {
          type: 'Http'
          inputs: {
            method: 'GET'
            uri: 'https://${keyVaultName}.vault.azure.net/secrets/${secretName}?api-version=7.4'
            authentication: {
              type: 'ManagedServiceIdentity'
              audience: 'https://vault.azure.net'
            }
          }
          runtimeConfiguration: {
            secureData: {
              properties: [
                'inputs'
                'outputs'
              ]
            }
          }
        }
        Reconcile: {
          type: 'Http'
          runAfter: {
            Get_settlement_key: [
              'Succeeded'
            ]
          }
          inputs: {
            method: 'POST'
            uri: settlementEndpoint
            headers: {
              'x-api-key': '@{body(\'Get_settlement_key\')?[\'value\']}'
            }
            body: {
              date: '@{formatDateTime(utcNow(), \'yyyy-MM-dd\')}'
            }
          }
          runtimeConfiguration: {
            secureData: {
              properties: [
                'inputs'
              ]
            }
          }
        }
      }
    }
  }
}

resource kvSecretsUser 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: keyVaultSecretsUserRoleId
}

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(kv.id, la.id, kvSecretsUser.id)
  scope: kv
  properties: {
    roleDefinitionId: kvSecretsUser.id
    principalId: la.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output workflowPrincipalId string = la.identity.principalId
